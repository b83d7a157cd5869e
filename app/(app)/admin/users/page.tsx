import type { Metadata } from 'next';
import { currentSessionId, pageGuard } from '@/app/_server/guard';
import { db } from '@/lib/db';
import { listUsers } from '@/lib/auth/users';
import { describeSessions, liveSessionsByUser } from '@/lib/auth/sessions';
import { ScrollRegion } from '@/app/_components/table';
import { CreateUserForm, UserRow } from './user-forms';

export const metadata: Metadata = { title: 'Users' };

export default async function UsersPage() {
  const actor = await pageGuard('admin', '/admin/users');
  const users = await listUsers(db());
  const current = await currentSessionId();
  const sessions = await liveSessionsByUser(db());
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Users</h1>
      <section className="card" aria-labelledby="new-user">
        <h2 id="new-user" className="mb-3 font-medium">
          Add a user
        </h2>
        <CreateUserForm />
      </section>
      <section className="card" aria-labelledby="all-users">
        <h2 id="all-users" className="mb-3 font-medium">
          All users ({users.length})
        </h2>
        <ScrollRegion label="Users">
        <table className="w-full text-left text-sm">
          <thead className="text-slate-600">
            <tr>
              <th className="py-2 pr-4">E-mail</th>
              <th className="py-2 pr-4">Name</th>
              <th className="py-2 pr-4">Role</th>
              <th className="py-2 pr-4">Status</th>
              <th className="py-2 pr-4">Sessions</th>
              <th className="py-2">Actions</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <UserRow key={u.id} user={{ id: u.id, email: u.email, name: u.name, role: u.role, disabled: u.disabled }} self={u.id === actor.id} sessions={describeSessions(sessions.get(u.id) ?? [], current)} />
            ))}
          </tbody>
        </table>
        </ScrollRegion>
      </section>
    </div>
  );
}
