// `npm run client:generate`: writes clients/typescript/openapi.d.ts from the API description.
// `npm run client:generate -- --check`: exits 1 (and writes nothing) when the committed file is stale.
import fs from 'node:fs';
import path from 'node:path';
import { CLIENT_TYPES_FILE, clientTypes } from './client-types';

async function main(): Promise<void> {
  const text = await clientTypes();
  const rel = path.relative(process.cwd(), CLIENT_TYPES_FILE);
  const current = fs.existsSync(CLIENT_TYPES_FILE) ? fs.readFileSync(CLIENT_TYPES_FILE, 'utf8') : null;
  if (process.argv.includes('--check')) {
    if (current === text) return void console.log(`${rel} is up to date`);
    console.error(`${rel} is stale: run npm run client:generate and commit it`);
    process.exit(1);
  }
  if (current === text) return void console.log(`${rel} unchanged`);
  fs.writeFileSync(CLIENT_TYPES_FILE, text);
  console.log(`wrote ${rel}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
