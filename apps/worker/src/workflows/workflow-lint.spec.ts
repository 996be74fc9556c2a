import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../../..');
// A file that does not exist: ESLint applies the config for its path to the text we pass.
const probePath = resolve(here, 'lint-probe.workflow.ts');

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: repoRoot });
});

async function restrictedImports(code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: probePath });
  return result.messages.filter((m) => m.ruleId?.endsWith('no-restricted-imports')).map((m) => m.message);
}

describe('workflow lint rule', () => {
  it.each([
    ["import { readFile } from 'node:fs/promises';", 'Node builtins'],
    ["import { readFile } from 'fs';", 'Node builtins'],
    ["import { createDb } from '@agiqa/db';", 'Prisma'],
    ["import { PrismaClient } from '@prisma/client';", 'Prisma'],
    ["import * as tf from '@tensorflow/tfjs';", 'tfjs'],
    ["import { Pool } from 'pg';", 'database'],
    ["import { createActivities } from '../activities/index.js';", 'activity types only'],
  ])('rejects %s in workflow code', async (statement, reason) => {
    const messages = await restrictedImports(`${statement}\nexport const used = [${statement.match(/\{ (\w+) \}|\* as (\w+)/)?.slice(1).find(Boolean)}];\n`);
    expect(messages.join('\n')).toContain(reason);
  });

  it('allows type-only imports of activities and the contracts', async () => {
    const code = [
      "import type { CpuActivities } from '../activities/index.js';",
      "import { workflowIds } from '@agiqa/contracts';",
      'export type A = CpuActivities;',
      'export const id = workflowIds.run;',
    ].join('\n');
    expect(await restrictedImports(code)).toEqual([]);
  });

  it('finds nothing to report in the real workflow files', async () => {
    const results = await eslint.lintFiles([resolve(here, '*.ts')]);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(problems).toEqual([]);
  });
});
