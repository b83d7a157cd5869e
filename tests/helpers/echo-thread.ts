// A model thread for tests/ml/threads.test.ts: answers `echo` with its argument and which thread ran it,
// `refuse` with a UserError of the status asked for.
import { threadId } from 'node:worker_threads';
import { UserError } from '../../lib/errors';
import { serveThread } from '../../lib/models/threads';

serveThread({
  echo: async (a: { value: unknown }) => ({ value: a.value, threadId }),
  refuse: async (a: { status: number }) => {
    throw new UserError('refused in the thread', a.status);
  },
});
