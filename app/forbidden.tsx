import Link from 'next/link';

export default function Forbidden() {
  return (
    <main className="mx-auto max-w-lg p-8 text-center" data-testid="forbidden">
      <p className="text-6xl font-bold text-slate-500">403</p>
      <h1 className="mt-2 text-xl font-semibold">Not allowed</h1>
      <p className="mt-2 text-slate-600">Your role does not give access to this page. Ask an admin if you need it.</p>
      <Link href="/" className="btn-secondary mt-6">
        Back to masklab
      </Link>
    </main>
  );
}
