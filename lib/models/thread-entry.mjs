// The entry of a model worker thread (lib/models/threads.ts): loads the thread's TypeScript module
// (workerData.entry, an absolute path) through tsx, in the web app's bundled server as in scripts.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
