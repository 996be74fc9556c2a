import { resolve } from 'node:path';
import {
  DATASET_FORMATS,
  resolveTrainRatio,
  SPLIT_UNITS,
  invalidInput,
  type DatasetFormat,
  type SplitUnit,
} from '@agiqa/contracts';
import { Option, type Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { parse } from '../cli-error.js';
import { createProgress, progressMode, type ProgressMode } from '../progress/progress.js';

interface SourceFlags {
  format: string;
  root: string;
  /** commander's `--no-images` sets `images: false`. */
  images: boolean;
  json?: boolean;
}

function formatOf(flags: SourceFlags): DatasetFormat {
  if (!(DATASET_FORMATS as readonly string[]).includes(flags.format)) {
    throw invalidInput(`--format "${flags.format}" is not a dataset format; valid: ${DATASET_FORMATS.join(', ')}`);
  }
  return flags.format as DatasetFormat;
}

function source(flags: SourceFlags) {
  return { format: formatOf(flags), root: resolve(flags.root), checkImages: flags.images };
}

/** `--format` / `--root` / `--no-images`, shared by every command that reads a dataset folder. */
function withSource(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'dataset layout').choices([...DATASET_FORMATS]).makeOptionMandatory())
    .requiredOption('--root <dir>', 'dataset folder as its authors ship it (manifest: the manifest file or its folder)')
    .option('--no-images', 'do not require the image files (metadata only)')
    .option('--json', 'print JSON');
}

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('dataset tools: synthesise, inspect, validate, split, import');

  data
    .command('synth')
    .description('write a synthetic AGIQA-3K-layout dataset (data.csv + img/*.jpg) whose MOS a model can learn')
    .requiredOption('--out <dir>', 'output folder (created; must be empty or absent)')
    .requiredOption('--images <n>', 'number of images (50–3,000)', parse.int('--images'))
    .option('--seed <n>', 'seed (same seed → same dataset)', parse.int('--seed', 0), 0)
    .option('--json', 'print JSON')
    .action(async (flags: { out: string; images: number; seed: number; json?: boolean }) => {
      const started = Date.now();
      const result = await synthesizeWithProgress({ outDir: resolve(flags.out), images: flags.images, seed: flags.seed }, progressMode(flags.json));
      const seconds = (Date.now() - started) / 1000;
      // The per-image detail (`result.images`) is for programs; the CLI prints the summary.
      const { csvPath, count, mapping, pixelsHash } = result;
      if (flags.json) console.log(JSON.stringify({ csvPath, count, mapping, pixelsHash, seconds }, null, 2));
      else console.log(`wrote ${flags.images} images to ${resolve(flags.out)} in ${seconds.toFixed(1)} s`);
    });

  withSource(data.command('inspect').description('summarise a dataset: rows, prompts, generators, MOS ranges, missing images')).action(
    async (flags: SourceFlags) => {
      const { inspectDataset } = await import('@agiqa/data');
      const summary = await inspectDataset(source(flags));
      console.log(JSON.stringify(summary, null, flags.json ? undefined : 2));
    },
  );

  withSource(data.command('validate').description('check a dataset and list every problem (exit 2 when any)')).action(
    async (flags: SourceFlags) => {
      const { validateDataset } = await import('@agiqa/data');
      const report = await validateDataset(source(flags));
      if (flags.json) console.log(JSON.stringify(report, null, 2));
      else if (report.ok) console.log(`ok: ${report.summary?.rows ?? '?'} rows, no problems`);
      else for (const problem of report.problems) console.log(`${problem.path}: ${problem.message}`);
      if (!report.ok) {
        if (!flags.json) console.error(`${report.problems.length} problem(s) found`);
        process.exitCode = 2;
      }
    },
  );

  withSource(data.command('split').description('materialise a reproducible split and print its sizes and hash'))
    .addOption(new Option('--by <unit>', 'what the split keeps apart').choices([...SPLIT_UNITS]).default('prompt'))
    .option('--train <share>', 'train share (default: the paper’s ratio for the format)', parse.number('--train'))
    .option('--val <share>', 'validation share', parse.number('--val'), 0)
    .option('--seed <n>', 'split seed', parse.int('--seed', 0), 0)
    .option('--repeat <k>', 'repeat index of the (seed, k) stream', parse.int('--repeat', 0), 0)
    .option('--keys', 'also print the item keys of each side')
    .action(async (flags: SourceFlags & { by: SplitUnit; train?: number; val: number; seed: number; repeat: number; keys?: boolean }) => {
      const format = formatOf(flags);
      const train = resolveTrainRatio({ train: flags.train }, format);
      if (!(train > 0 && train < 1)) throw invalidInput(`--train must be between 0 and 1 (exclusive), got ${train}`);
      if (!(flags.val >= 0 && train + flags.val < 1)) {
        throw invalidInput(`--val must be ≥ 0 and leave a test share (train + val < 1), got train ${train} + val ${flags.val}`);
      }
      const { loadDataset, makeSplit } = await import('@agiqa/data');
      const dataset = await loadDataset(source(flags));
      const split = makeSplit(dataset.items, { unit: flags.by, train, val: flags.val, seed: flags.seed, repeat: flags.repeat });
      const out = {
        train: split.trainKeys.length,
        val: split.valKeys.length,
        test: split.testKeys.length,
        overlapPrompts: split.overlapPrompts,
        hash: split.hash,
        ...(flags.keys ? { trainKeys: split.trainKeys, valKeys: split.valKeys, testKeys: split.testKeys } : {}),
      };
      console.log(JSON.stringify(out, null, flags.json ? undefined : 2));
    });

  withSource(data.command('import').description('register a dataset in the running stack (whole or not at all)'))
    .requiredOption('--name <name>', 'name used in grids')
    .action(async (flags: SourceFlags & { name: string }) => {
      const body = { name: flags.name, ...source(flags) };
      const created = await ApiClient.fromEnvironment().post<{ id: string; name: string; itemCount: number }>('/api/datasets', body);
      if (flags.json) console.log(JSON.stringify(created, null, 2));
      else console.log(`registered dataset ${created.name} (${created.itemCount} items, id ${created.id})`);
    });
}

/** `synthesizeDataset` with a progress bar over the images (plain lines off a terminal, none for JSON). */
export async function synthesizeWithProgress(options: { outDir: string; images: number; seed: number }, mode: ProgressMode) {
  const { synthesizeDataset } = await import('@agiqa/data');
  const progress = createProgress({ label: 'synthesising', unit: 'images', mode });
  try {
    return await synthesizeDataset({ ...options, onProgress: (done, total) => progress.update(done, total) });
  } finally {
    progress.stop();
  }
}
