import { invalidInput, type SettingsComparison } from '@agiqa/contracts';
import type { Command } from 'commander';
import { parse } from '../cli-error.js';
import { readScoreFile } from './score-file.js';

export function registerMetricsCommands(program: Command): void {
  program
    .command('metrics')
    .description('SRCC, PLCC (raw and after the VQEG 4-parameter logistic fit), KRCC and RMSE of predictions vs MOS')
    .requiredOption('--pred <file>', 'predictions, one number per line')
    .requiredOption('--mos <file>', 'MOS, one number per line, same order')
    .option('--json', 'print JSON')
    .action(async (flags: { pred: string; mos: string; json?: boolean }) => {
      const pred = await readScoreFile(flags.pred, '--pred');
      const mos = await readScoreFile(flags.mos, '--mos');
      if (pred.length !== mos.length) {
        throw invalidInput(`--pred has ${pred.length} numbers but --mos has ${mos.length}: they must pair up line by line`);
      }
      const { metricsReport } = await import('@agiqa/model');
      const report = metricsReport(pred, mos);
      if (flags.json) console.log(JSON.stringify(report));
      else for (const [name, value] of Object.entries(report)) console.log(`${name.padEnd(14)} ${typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(6) : value}`);
    });

  program
    .command('significance')
    .description(
      'compare two settings (or sweeps) over matched replicates: paired t and Wilcoxon signed-rank per cell, Holm-corrected (--a, --b); ' +
        'or Fisher z test of two correlations from independent samples (--r1, --r2, --n)',
    )
    .option('--a <setting|sweep>', 'first side: a setting id (`agiqa table settings`) or a sweep id')
    .option('--b <setting|sweep>', 'second side; differences are b − a')
    .option('--dataset <name>', 'with --a/--b: the dataset (default: the one both ran on)')
    .option('--metric <metric>', 'with --a/--b: srcc | plcc (default srcc)')
    .option('--plcc <variant>', 'with --a/--b: raw | logistic PLCC (default raw)')
    .option('--include-in-progress', 'with --a/--b: count completed runs of sweeps still in progress')
    .option('--r1 <r>', 'first correlation', parse.number('--r1'))
    .option('--r2 <r>', 'second correlation', parse.number('--r2'))
    .option('--n <n>', 'sample size of the first correlation', parse.int('--n'))
    .option('--n2 <n>', 'sample size of the second (default: --n)', parse.int('--n2'))
    .option('--json', 'print JSON')
    .action(async (flags: SignificanceFlags) => {
      if (flags.a !== undefined || flags.b !== undefined) await compareSettings(flags);
      else await fisher(flags);
    });
}

interface SignificanceFlags {
  a?: string;
  b?: string;
  dataset?: string;
  metric?: string;
  plcc?: string;
  includeInProgress?: boolean;
  r1?: number;
  r2?: number;
  n?: number;
  n2?: number;
  json?: boolean;
}

/** Two settings or sweeps through the API (`GET /api/tables/significance`). */
async function compareSettings(flags: SignificanceFlags): Promise<void> {
  const mixed = (['r1', 'r2', 'n', 'n2'] as const).filter((key) => flags[key] !== undefined);
  if (mixed.length > 0) throw invalidInput(`--a/--b compare settings; ${mixed.map((k) => `--${k}`).join(', ')} belong to the Fisher test: give one or the other`);
  if (flags.a === undefined || flags.b === undefined) throw invalidInput('give both --a and --b (setting or sweep ids)');
  const params = new URLSearchParams({ a: flags.a, b: flags.b });
  if (flags.dataset !== undefined) params.set('dataset', flags.dataset);
  if (flags.metric !== undefined) params.set('metric', flags.metric);
  if (flags.plcc !== undefined) params.set('plcc', flags.plcc);
  if (flags.includeInProgress) params.set('inProgress', 'include');
  const { ApiClient } = await import('../api-client.js');
  const { renderComparison } = await import('../format/paper-tables.js');
  const comparison = await ApiClient.fromEnvironment().get<SettingsComparison>(`/api/tables/significance?${params.toString()}`);
  console.log(flags.json ? JSON.stringify(comparison, null, 2) : renderComparison(comparison));
}

/** Two correlations from independent samples, computed here (no stack needed). */
async function fisher(flags: SignificanceFlags): Promise<void> {
  const settingFlags = (['dataset', 'metric', 'plcc', 'includeInProgress'] as const).filter((key) => flags[key] !== undefined);
  if (settingFlags.length > 0) throw invalidInput(`${settingFlags.map((k) => `--${k === 'includeInProgress' ? 'include-in-progress' : k}`).join(', ')} need --a and --b`);
  const missing = (['r1', 'r2', 'n'] as const).filter((key) => flags[key] === undefined);
  if (missing.length > 0) throw invalidInput(`give --a and --b (two settings or sweeps), or --r1, --r2 and --n (two correlations); missing ${missing.map((k) => `--${k}`).join(', ')}`);
  const { fisherZTest } = await import('@agiqa/model');
  const result = fisherZTest({ r1: flags.r1 as number, n1: flags.n as number, r2: flags.r2 as number, n2: flags.n2 ?? (flags.n as number) });
  if (flags.json) console.log(JSON.stringify({ z: result.z, p: result.p }));
  else console.log(`z = ${result.z.toFixed(4)}, p = ${result.p.toFixed(4)} (two-sided, independent samples)`);
}
