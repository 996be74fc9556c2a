/**
 * Runs the built `agiqa` command as a user would (`node apps/cli/bin/agiqa.js …`). Spec support
 * only.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './dashboard-stack.js';

export const CLI_BIN = join(REPO_ROOT, 'apps/cli/bin/agiqa.js');

/** The built entry points `agiqa up` starts; missing ones mean "build first". */
const STACK_ENTRIES = ['apps/cli/dist/main.js', 'apps/worker/dist/main.js', 'apps/api/dist/main.js', 'libs/db/dist/gateway/main.js'];

export function requireStackBuilt(): void {
  const missing = STACK_ENTRIES.filter((file) => !existsSync(join(REPO_ROOT, file)));
  if (missing.length > 0) {
    throw new Error(`not built: ${missing.join(', ')}. Build first: NX_DAEMON=false npx nx run-many -t build (or \`npx nx run @agiqa/e2e:test\`).`);
  }
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `agiqa <args>` in the repository root with `env` added; never throws on a non-zero exit. */
export function runCli(args: string[], env: Record<string, string>, timeoutMs = 600_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [CLI_BIN, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(new Error(`agiqa ${args.join(' ')} did not finish: ${error.message}\n${stderr}`));
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** Like `runCli`, but fails with everything the command printed unless it exits 0. */
export async function cli(args: string[], env: Record<string, string>, timeoutMs?: number): Promise<string> {
  const result = await runCli(args, env, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`agiqa ${args.join(' ')} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
  return result.stdout;
}
