import { invalidInput } from '@agiqa/contracts';
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
    .description('Fisher z test of two correlations from independent samples (two-sided)')
    .requiredOption('--r1 <r>', 'first correlation', parse.number('--r1'))
    .requiredOption('--r2 <r>', 'second correlation', parse.number('--r2'))
    .requiredOption('--n <n>', 'sample size of the first correlation', parse.int('--n'))
    .option('--n2 <n>', 'sample size of the second (default: --n)', parse.int('--n2'))
    .option('--json', 'print JSON')
    .action(async (flags: { r1: number; r2: number; n: number; n2?: number; json?: boolean }) => {
      const { fisherZTest } = await import('@agiqa/model');
      const result = fisherZTest({ r1: flags.r1, n1: flags.n, r2: flags.r2, n2: flags.n2 ?? flags.n });
      if (flags.json) console.log(JSON.stringify({ z: result.z, p: result.p }));
      else console.log(`z = ${result.z.toFixed(4)}, p = ${result.p.toFixed(4)} (two-sided, independent samples)`);
    });
}
