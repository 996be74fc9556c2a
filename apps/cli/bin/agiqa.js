#!/usr/bin/env node
// Entry point of `npx agiqa`. Runs the compiled CLI; the workspace is built by `npm run build`
// (infra/quickstart.sh does it for you).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('agiqa is not built yet: run `npm run build` in the repository root (or `bash infra/quickstart.sh`).');
  process.exit(1);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
