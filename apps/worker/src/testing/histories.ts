import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { temporalExecutable } from '@agiqa/orchestration/testing';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils.js';

/** Committed workflow histories replayed by `replay.spec.ts` against the current workflow code. */
export const HISTORIES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../workflows/__histories__');

/**
 * With `AGIQA_RECORD_HISTORIES=1`, saves the history of a workflow a test ran as
 * `__histories__/<name>.json`, in the JSON form Temporal's tools write (`temporal workflow show
 * -o json`, which is what the SDK's replayer reads). Re-record after an intended, versioned change
 * to workflow code: `AGIQA_RECORD_HISTORIES=1 npx vitest run src/workflows` in apps/worker.
 */
export async function recordHistory(address: string, workflowId: string, name: string, runId?: string): Promise<void> {
  if (process.env.AGIQA_RECORD_HISTORIES !== '1') return;
  const args = ['workflow', 'show', '--address', address, '--workflow-id', workflowId, '--output', 'json', ...(runId ? ['--run-id', runId] : [])];
  const { stdout } = await promisify(execFile)(temporalExecutable(), args, { maxBuffer: 64 * 1024 * 1024 });
  await writeFile(join(HISTORIES_DIR, `${name}.json`), stdout.endsWith('\n') ? stdout : `${stdout}\n`);
}

/**
 * Reads a history file written by `recordHistory` into the History message the replayer takes.
 * (The SDK's JSON decoder needs a single protobufjs 8 in node_modules: the root package.json pins
 * protobufjs 8 so npm hoists one copy for all @temporalio packages.)
 */
export async function readHistory(file: string): Promise<History> {
  return historyFromJSON(JSON.parse(await readFile(file, 'utf8')));
}
