import type { Metadata } from 'next';
import { pageGuard } from '@/app/_server/guard';
import { Row, Table } from '@/app/_components/table';
import { db } from '@/lib/db';
import { WEBHOOK_EVENTS } from '@/lib/webhooks/events';
import { listDeliveries, listWebhooks } from '@/lib/webhooks/hooks';
import { AutoRefresh, CreateWebhookForm, RedeliverButton, WebhookRow } from './webhook-forms';

export const metadata: Metadata = { title: 'Webhooks' };

/** `2026-11-30 11:22:07 UTC`: the same on the server and in every browser. */
const when = (iso: string | null) => (iso ? `${iso.slice(0, 19).replace('T', ' ')} UTC` : '');

const STATUS_STYLE: Record<string, string> = {
  delivered: 'text-green-700',
  failed: 'text-red-700',
  cancelled: 'text-slate-500',
  pending: 'text-amber-700',
  sending: 'text-amber-700',
};

export default async function WebhooksPage() {
  await pageGuard('admin', '/admin/webhooks');
  const [hooks, deliveries] = await Promise.all([listWebhooks(db()), listDeliveries(db(), { take: 50 })]);
  const busy = deliveries.some((d) => d.status === 'pending' || d.status === 'sending');
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Webhooks</h1>
      <p className="max-w-3xl text-sm break-words text-slate-600">
        Each webhook gets a <code>POST</code> with a JSON body for the events it chose ({WEBHOOK_EVENTS.map((e) => <code key={e} className="mr-1 break-all">{e}</code>)}),
        signed with its secret in <code>X-Masklab-Signature</code> (HMAC-SHA256 of <code>timestamp.body</code>; see docs/api.md, “Webhooks”). The
        worker sends them and retries a failed one 2, 4, 8, 16 and 32 minutes later. A hook set with <code>MASKLAB_WEBHOOK_URL</code> gets every
        event and is listed here too. Addresses on this machine or a private network (loopback, private, link-local…) are refused, when a hook is
        added and again on every attempt, unless the operator lists the host in <code>MASKLAB_WEBHOOK_ALLOW_HOSTS</code>.
      </p>
      <section className="card" aria-labelledby="new-hook">
        <h2 id="new-hook" className="mb-3 font-medium">
          Add a webhook
        </h2>
        <CreateWebhookForm events={[...WEBHOOK_EVENTS]} />
      </section>
      <section className="card" aria-labelledby="all-hooks">
        <h2 id="all-hooks" className="mb-3 font-medium">
          Webhooks ({hooks.length})
        </h2>
        {hooks.length === 0 ? (
          <p className="text-sm text-slate-500">No webhooks yet.</p>
        ) : (
          <Table head={['URL', 'Events', 'Status', 'Actions']} testId="webhooks" label="Webhooks">
            {hooks.map((h) => (
              <WebhookRow key={h.id ?? 'env'} hook={h} allEvents={[...WEBHOOK_EVENTS]} />
            ))}
          </Table>
        )}
      </section>
      <section className="card" aria-labelledby="deliveries">
        <div className="mb-3 flex items-center justify-between gap-4">
          <h2 id="deliveries" className="font-medium">
            Deliveries (latest {deliveries.length})
          </h2>
          <AutoRefresh active={busy} />
        </div>
        {deliveries.length === 0 ? (
          <p className="text-sm text-slate-500">Nothing sent yet.</p>
        ) : (
          <Table head={['Queued', 'Event', 'Webhook', 'Status', 'Attempts', 'Last answer', 'Next retry', 'Actions']} testId="deliveries" label="Deliveries">
            {deliveries.map((d) => (
              <Row
                key={d.id}
                testId={`delivery-${d.id}`}
                cells={[
                  when(d.createdAt),
                  <code key="e">{d.event}</code>,
                  <span key="u" className="block min-w-48 break-all">
                    {d.url}
                    {d.webhookId === null && <span className="ml-1 text-xs text-slate-500">(MASKLAB_WEBHOOK_URL)</span>}
                  </span>,
                  <span key="s" className={STATUS_STYLE[d.status] ?? ''} data-testid="delivery-status">
                    {d.status}
                  </span>,
                  <details key="a">
                    <summary className="cursor-pointer" data-testid="delivery-attempts">
                      {d.attempts} of {d.maxAttempts}
                    </summary>
                    <ol className="mt-1 space-y-1 text-xs">
                      {d.tries.map((t) => (
                        <li key={t.attempt}>
                          #{t.attempt} {when(t.at)}{t.url !== d.url ? ` to ${t.url}` : ''}: {t.statusCode ?? 'no answer'} in {t.durationMs} ms{t.error ? ` — ${t.error}` : ''}
                          {t.nextRetryAt ? ` (retry at ${when(t.nextRetryAt)})` : ''}
                        </li>
                      ))}
                    </ol>
                  </details>,
                  <span key="l" className="break-words text-xs">
                    {d.lastStatusCode ?? ''} {d.lastError ?? (d.lastStatusCode ? 'OK' : '')}
                    {d.lastDurationMs !== null ? ` (${d.lastDurationMs} ms)` : ''}
                  </span>,
                  when(d.nextAttemptAt),
                  <RedeliverButton key="r" deliveryId={d.id} />,
                ]}
              />
            ))}
          </Table>
        )}
      </section>
    </div>
  );
}
