import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { temporalExecutable } from '@agiqa/orchestration/testing';

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
 *
 * Why not the SDK's `historyFromJSON`: in this workspace npm nests a separate protobufjs 8 copy
 * under each of @temporalio/common, /proto and /worker (the root holds protobufjs 7 for grpc and
 * onnxruntime-web), so the SDK's JSON decoder rejects message types built by another copy ("type
 * must be a Type"). Decoding with @temporalio/proto's own protobufjs avoids the mismatch.
 */
export async function readHistory(file: string): Promise<unknown> {
  const protoRequire = createRequire(createRequire(import.meta.url).resolve('@temporalio/proto'));
  const { fromJson } = protoRequire('protobufjs/ext/protojson') as {
    fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): unknown;
  };
  const { patchProtobufRoot } = protoRequire('@temporalio/proto/lib/patch-protobuf-root') as {
    patchProtobufRoot(root: unknown): { lookupType(name: string): unknown };
  };
  const historyType = patchProtobufRoot(protoRequire('@temporalio/proto')).lookupType('temporal.api.history.v1.History');
  return fromJson(historyType, JSON.parse(await readFile(file, 'utf8')), { ignoreUnknownFields: true });
}
