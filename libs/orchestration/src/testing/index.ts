// Test helpers for packages that need a real Temporal server (`@agiqa/orchestration/testing`).
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { TEMPORAL_DEV_SERVER_ARGS } from '@agiqa/contracts';

/**
 * The `temporal` CLI (it embeds the dev server): `$AGIQA_TEMPORAL_BIN`, else `tools/.bin/temporal`
 * of this repository (what `infra/ensure-temporal.sh` builds), else `temporal` on PATH.
 */
export function temporalExecutable(): string {
  const fromEnv = process.env.AGIQA_TEMPORAL_BIN;
  if (fromEnv) return fromEnv;
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  const local = join(repoRoot, 'tools/.bin/temporal');
  if (existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'temporal');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error('no temporal CLI found: run `bash infra/ensure-temporal.sh` or set AGIQA_TEMPORAL_BIN');
}

/**
 * A real Temporal dev server on a free port with an in-memory store, for one test file. Never a
 * mock: workflows, timers, retries, schedules and cancellation behave as in production.
 */
export async function startTestTemporal(): Promise<TestWorkflowEnvironment> {
  return await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalExecutable() },
      ip: '127.0.0.1',
      ui: false,
      log: { format: 'pretty', level: 'warn' },
      extraArgs: [...TEMPORAL_DEV_SERVER_ARGS],
    },
  });
}
