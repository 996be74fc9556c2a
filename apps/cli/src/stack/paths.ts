import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, found by walking up from this file to the folder holding nx.json. The
 * CLI starts the other apps from their built `dist/` folders, so it needs to know where they are
 * wherever it was invoked from.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'nx.json')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the agiqa repository root (no nx.json above the CLI)');
    dir = parent;
  }
}

/** Everything `agiqa up` writes lives under AGIQA_HOME (default `.agiqa` in the repository root). */
export interface StackPaths {
  root: string;
  home: string;
  runDir: string;
  logDir: string;
  stateFile: string;
  pgliteDir: string;
  temporalDb: string;
}

export function stackPaths(home = process.env.AGIQA_HOME): StackPaths {
  const root = repoRoot();
  const resolvedHome = resolve(root, home ?? '.agiqa');
  return {
    root,
    home: resolvedHome,
    runDir: join(resolvedHome, 'run'),
    logDir: join(resolvedHome, 'logs'),
    stateFile: join(resolvedHome, 'run', 'stack.json'),
    pgliteDir: join(resolvedHome, 'pglite'),
    temporalDb: join(resolvedHome, 'temporal.db'),
  };
}

/** Built entry points of the processes the stack runs. */
export function entryPoints(root = repoRoot()) {
  return {
    dbGateway: join(root, 'libs/db/dist/gateway/main.js'),
    worker: join(root, 'apps/worker/dist/main.js'),
    api: join(root, 'apps/api/dist/main.js'),
    ensureTemporal: join(root, 'infra/ensure-temporal.sh'),
  };
}
