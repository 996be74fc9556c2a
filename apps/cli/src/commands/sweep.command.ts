import { readFileSync } from 'node:fs';
import {
  FUSION_NAMES,
  collectPages,
  GridSpecSchema,
  IMAGE_ENCODER_NAMES,
  invalidInput,
  METHOD_NAMES,
  REPORT_RULES,
  SPLIT_UNITS,
  TEXT_ENCODER_NAMES,
  PAGE_LIMITS,
  TRAINERS,
  TRAINING_MODES,
  type GridSpecInput,
  type RerunResult,
  type RunSummary,
  type SweepDetail,
  type SweepList,
  type SweepSummary,
  type SweepRunsPage,
} from '@agiqa/contracts';
import { Option, type Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { parse } from '../cli-error.js';
import { inFlagWords, parseFlags, type FlagTable } from '../flag-errors.js';
import { failureReport, followSweep, FollowInterrupted, interruptMessage, type FollowedSweep } from '../follow/follow-sweep.js';
import { fixed4, textTable } from '../format/text-table.js';
import { createProgress, progressMode } from '../progress/progress.js';

interface StartFlags {
  file?: string;
  name?: string;
  methods?: string[];
  encoders?: string[];
  fusions?: string[];
  datasets?: string[];
  seeds?: number[];
  epochs?: number;
  imageEncoder?: string;
  splitUnit?: string;
  train?: number;
  val?: number;
  repeats?: number;
  splitSeed?: number;
  batchSize?: number;
  lr?: number;
  reportRule?: string;
  maxParallel?: number;
  clipIqaPrompts?: string[];
  logitScale?: number;
  mode?: string;
  trainer?: string;
  wait?: boolean;
  json?: boolean;
}

/**
 * The grid a `sweep start` sends: the JSON file (if any) with flags layered on top. Field names in
 * validation errors are the JSON paths (`encoders.0`, `split.train`), which the flag help names.
 */
export function gridFromFlags(flags: StartFlags): GridSpecInput {
  let base: Record<string, unknown> = {};
  if (flags.file) {
    try {
      base = JSON.parse(readFileSync(flags.file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw invalidInput(`--file ${flags.file}: ${(error as Error).message}`);
    }
    if (typeof base !== 'object' || base === null || Array.isArray(base)) {
      throw invalidInput(`--file ${flags.file}: expected a JSON object with the grid fields`);
    }
  }
  const split = { ...((base.split as Record<string, unknown> | undefined) ?? {}) };
  if (flags.splitUnit !== undefined) split.unit = flags.splitUnit;
  if (flags.train !== undefined) split.train = flags.train;
  if (flags.val !== undefined) split.val = flags.val;
  if (flags.repeats !== undefined) split.repeats = flags.repeats;
  if (flags.splitSeed !== undefined) split.seed = flags.splitSeed;
  const clipIqa = { ...((base.clipIqa as Record<string, unknown> | undefined) ?? {}) };
  if (flags.clipIqaPrompts !== undefined) clipIqa.prompts = flags.clipIqaPrompts;
  if (flags.logitScale !== undefined) clipIqa.logitScale = flags.logitScale;
  const overrides: Record<string, unknown> = {
    name: flags.name,
    methods: flags.methods,
    encoders: flags.encoders,
    fusions: flags.fusions,
    datasets: flags.datasets,
    seeds: flags.seeds,
    epochs: flags.epochs,
    imageEncoder: flags.imageEncoder,
    batchSize: flags.batchSize,
    learningRate: flags.lr,
    reportRule: flags.reportRule,
    maxParallel: flags.maxParallel,
    trainingMode: flags.mode,
    trainer: flags.trainer,
  };
  const grid: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) grid[key] = value;
  if (Object.keys(split).length > 0) grid.split = split;
  if (Object.keys(clipIqa).length > 0) grid.clipIqa = clipIqa;
  return grid as GridSpecInput;
}


/** Grid fields → the `sweep start` flag that sets them (error messages name the flag). */
export const GRID_FLAGS: FlagTable = {
  name: { flag: '--name' },
  methods: { flag: '--methods', choices: METHOD_NAMES },
  encoders: { flag: '--encoders', choices: TEXT_ENCODER_NAMES },
  fusions: { flag: '--fusions', choices: FUSION_NAMES },
  datasets: { flag: '--datasets' },
  seeds: { flag: '--seeds' },
  epochs: { flag: '--epochs' },
  imageEncoder: { flag: '--image-encoder', choices: IMAGE_ENCODER_NAMES },
  'split.unit': { flag: '--split-unit', choices: SPLIT_UNITS },
  'split.train': { flag: '--train' },
  'split.val': { flag: '--val' },
  'split.repeats': { flag: '--repeats' },
  'split.seed': { flag: '--split-seed' },
  batchSize: { flag: '--batch-size' },
  learningRate: { flag: '--lr' },
  reportRule: { flag: '--report-rule', choices: REPORT_RULES },
  maxParallel: { flag: '--max-parallel' },
  'clipIqa.prompts': { flag: '--clip-iqa-prompts' },
  'clipIqa.logitScale': { flag: '--logit-scale' },
  trainingMode: { flag: '--mode', choices: TRAINING_MODES },
  trainer: { flag: '--trainer', choices: TRAINERS },
};

export function registerSweepCommands(program: Command): void {
  const sweep = program.command('sweep').description('launch and follow ablation grids');

  sweep
    .command('start')
    .description('start a sweep over text encoder × fusion × dataset × split repeat × seed')
    .option('--file <grid.json>', 'grid spec as JSON (flags override its fields)')
    .option('--name <name>', 'a label for the sweep')
    .option('--methods <list>', `what cells run: ${METHOD_NAMES.join(', ')} (default fusion-head; clip-iqa is zero-shot, one cell per dataset × split repeat)`, parse.list)
    .option('--encoders <list>', `text encoders: ${TEXT_ENCODER_NAMES.join(', ')}`, parse.list)
    .option('--fusions <list>', FUSION_NAMES.join(', '), parse.list)
    .option('--datasets <list>', 'registered dataset names', parse.list)
    .option('--seeds <list>', 'training seeds, e.g. 0,1,2', parse.intList('--seeds'))
    .option('--epochs <n>', 'epochs per run (paper: 100)', parse.int('--epochs'))
    .option('--image-encoder <name>', 'clip-vit-b32 (default) or tiny-clip')
    .option('--split-unit <unit>', 'image | prompt | generator (default prompt)')
    .option('--train <share>', 'train share (default: the paper’s ratio for the dataset)', parse.number('--train'))
    .option('--val <share>', 'validation share (default 0)', parse.number('--val'))
    .option('--repeats <n>', 'split repeats (default 1)', parse.int('--repeats'))
    .option('--split-seed <n>', 'split seed (default 0)', parse.int('--split-seed'))
    .option('--batch-size <n>', 'batch size (default 32)', parse.int('--batch-size'))
    .option('--lr <rate>', 'Adam learning rate (paper: 1e-4)', parse.number('--lr'))
    .option('--report-rule <rule>', 'last | best-on-val | best-on-test (optimistic)')
    .option('--max-parallel <n>', 'cells in flight at once (default 4)', parse.int('--max-parallel'))
    .option('--clip-iqa-prompts <positive,negative>', 'clip-iqa antonym pair (default "Good photo.,Bad photo."; prompts with commas: --file)', parse.list)
    .option('--logit-scale <s>', 'clip-iqa factor on the cosines before the softmax (default 1 = the paper’s Eq. 2; CLIP’s own: 100)', parse.number('--logit-scale'))
    .option('--mode <mode>', 'frozen (default: cached encoder features) | finetune (encoders trained too; torch engine)')
    .option('--trainer <engine>', 'auto (default: torch where the worker has it) | tfjs | torch')
    .option('--wait', 'follow the sweep until it finishes (a progress bar; Ctrl-C stops following, not the sweep)')
    .option('--json', 'print JSON')
    .action(async (flags: StartFlags) => {
      const grid = parseFlags(GridSpecSchema, gridFromFlags(flags), GRID_FLAGS, 'cannot start the sweep');
      const api = ApiClient.fromEnvironment();
      const created = await api.post<SweepDetail>('/api/sweeps', grid).catch((error: unknown) => {
        throw inFlagWords(error, GRID_FLAGS);
      });
      if (!flags.wait) {
        console.log(flags.json ? JSON.stringify(created, null, 2) : `sweep ${created.id} started: ${created.cellCount} cells`);
        return;
      }
      if (!flags.json) console.log(`sweep ${created.id} started: ${created.cellCount} cells`);
      await waitAndReport(api, created.id, flags.json);
    });

  sweep
    .command('status')
    .description('show a sweep and its cells')
    .argument('<id>', 'sweep id')
    .option('--json', 'print JSON')
    .option('--follow', 'follow until it finishes (a progress bar; Ctrl-C stops following, not the sweep)')
    .addOption(new Option('--watch', 'same as --follow').hideHelp())
    .action(async (id: string, flags: { json?: boolean; follow?: boolean; watch?: boolean }) => {
      const api = ApiClient.fromEnvironment();
      if (flags.follow || flags.watch) {
        await waitAndReport(api, id, flags.json, (detail) => console.log(renderSweep(detail)));
        return;
      }
      // The cells are paginated: read every page.
      const detail = await api.get<SweepDetail>(`/api/sweeps/${encodeURIComponent(id)}`);
      const withRuns = { ...detail, runs: await sweepRuns(api, id) };
      console.log(flags.json ? JSON.stringify(withRuns, null, 2) : renderSweep(withRuns));
    });

  sweep
    .command('list')
    .description('list sweeps, newest first')
    .option('--limit <n>', 'sweeps per page (1–200)', parse.int('--limit', 1), 50)
    .option('--offset <n>', 'sweeps to skip', parse.int('--offset', 0), 0)
    .option('--json', 'print JSON')
    .action(async (flags: { limit: number; offset: number; json?: boolean }) => {
      const api = ApiClient.fromEnvironment();
      const page = await api.get<SweepList>(`/api/sweeps?limit=${flags.limit}&offset=${flags.offset}`);
      if (flags.json) {
        console.log(JSON.stringify(page, null, 2));
        return;
      }
      console.log(
        textTable(
          ['id', 'name', 'status', 'cells', 'done', 'failed', 'created'],
          page.items.map((s) => [s.id, s.name, s.status, s.cellCount, s.counts.completed, s.counts.failed + s.counts.cancelled, s.createdAt]),
        ),
      );
      const shown = page.offset + page.items.length;
      if (shown < page.total) console.log(`${page.offset + 1}–${shown} of ${page.total}: more with --offset ${shown}`);
    });

  sweep
    .command('cancel')
    .description('cancel a sweep: running cells stop within the heartbeat timeout')
    .argument('<id>', 'sweep id')
    .option('--json', 'print the sweep (JSON)')
    .action(async (id: string, flags: { json?: boolean }) => {
      const summary = await ApiClient.fromEnvironment().post<SweepSummary>(`/api/sweeps/${encodeURIComponent(id)}/cancel`);
      console.log(flags.json ? JSON.stringify(summary, null, 2) : `cancellation requested for sweep ${id}`);
    });

  sweep
    .command('rerun-failed')
    .description('re-run only the cells that failed or were cancelled; completed cells are kept')
    .argument('<id>', 'sweep id')
    .option('--wait', 'follow the sweep until it finishes')
    .option('--json', 'print JSON (the re-run, then the final sweep with --wait)')
    .action(async (id: string, flags: { wait?: boolean; json?: boolean }) => {
      const api = ApiClient.fromEnvironment();
      const result = await api.post<RerunResult>(`/api/sweeps/${encodeURIComponent(id)}/rerun-failed`);
      const count = result.runIds.length;
      if (flags.json && !flags.wait) console.log(JSON.stringify(result, null, 2));
      if (!flags.json) console.log(`re-running ${count} cell(s) of sweep ${id}`);
      if (flags.wait && count > 0) await waitAndReport(api, id, flags.json);
    });
}

/**
 * Follows a sweep to its end with a progress bar (plain lines when stderr is not a terminal, none
 * with `--json`), prints why cells failed, and sets exit status 1 unless every cell completed.
 * Ctrl-C stops following only: it says so and how to follow again, and exits 130.
 */
export async function waitAndReport(api: ApiClient, id: string, json: boolean | undefined, printFinal?: (detail: FollowedSweep) => void): Promise<FollowedSweep | null> {
  const progress = createProgress({ label: `sweep ${id.slice(0, 8)}`, unit: 'epochs', mode: progressMode(json) });
  const controller = new AbortController();
  const onInterrupt = () => controller.abort();
  process.once('SIGINT', onInterrupt);
  let final: FollowedSweep;
  try {
    final = await followSweep(api, id, { progress, signal: controller.signal });
  } catch (error) {
    if (!(error instanceof FollowInterrupted)) throw error;
    for (const line of interruptMessage(id)) console.error(line);
    process.exitCode = 130;
    return null;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  if (json) console.log(JSON.stringify(final, null, 2));
  else {
    printFinal?.(final);
    console.log(`sweep ${id} ${final.status}: ${final.counts.completed}/${final.cellCount} cells completed`);
    for (const line of failureReport(final)) console.error(line);
  }
  if (final.status !== 'completed' || final.counts.completed !== final.cellCount) process.exitCode = 1;
  return final;
}

/** Every cell of a sweep, read page by page in cellKey order. */
export async function sweepRuns(api: ApiClient, id: string): Promise<RunSummary[]> {
  const limit = PAGE_LIMITS.sweepRuns.maxLimit;
  const path = `/api/sweeps/${encodeURIComponent(id)}/runs`;
  const { items } = await collectPages((offset) => api.get<SweepRunsPage>(`${path}?limit=${limit}&offset=${offset}`));
  return items;
}

export function renderSweep(detail: FollowedSweep): string {
  const header = `sweep ${detail.id}${detail.name ? ` (${detail.name})` : ''}: ${detail.status}, ${detail.cellCount} cells`;
  const rows = detail.runs.map((run) => [
    run.cellKey,
    run.status,
    `${run.epochsDone}/${run.epochs}`,
    fixed4(run.metrics?.srcc),
    fixed4(run.metrics?.plcc),
    run.attempts,
    run.backend,
    run.error ? run.error.slice(0, 60) : null,
  ]);
  return `${header}\n${textTable(['cell', 'status', 'epochs', 'SRCC', 'PLCC', 'attempts', 'backend', 'error'], rows)}`;
}
