import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  GridSpecSchema,
  invalidInput,
  parseOrThrow,
  type GridSpecInput,
  type RerunResult,
  type SweepDetail,
  type SweepList,
} from '@agiqa/contracts';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { parse } from '../cli-error.js';
import { fixed4, textTable } from '../format/text-table.js';

interface StartFlags {
  file?: string;
  name?: string;
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
  wait?: boolean;
  json?: boolean;
}

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

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
  const overrides: Record<string, unknown> = {
    name: flags.name,
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
  };
  const grid: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) grid[key] = value;
  if (Object.keys(split).length > 0) grid.split = split;
  return grid as GridSpecInput;
}

export function registerSweepCommands(program: Command): void {
  const sweep = program.command('sweep').description('launch and follow ablation grids');

  sweep
    .command('start')
    .description('start a sweep over text encoder × fusion × dataset × split repeat × seed')
    .option('--file <grid.json>', 'grid spec as JSON (flags override its fields)')
    .option('--name <name>', 'a label for the sweep')
    .option('--encoders <list>', 'text encoders, e.g. bert-base,distilbert,roberta', parse.list)
    .option('--fusions <list>', 'concat,cosine,cross_attention', parse.list)
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
    .option('--wait', 'follow the sweep until it finishes')
    .option('--json', 'print JSON')
    .action(async (flags: StartFlags) => {
      const grid = parseOrThrow(GridSpecSchema, gridFromFlags(flags), 'grid');
      const api = ApiClient.fromEnvironment();
      const created = await api.post<SweepDetail>('/api/sweeps', grid);
      if (!flags.wait) {
        console.log(flags.json ? JSON.stringify(created, null, 2) : `sweep ${created.id} started: ${created.cellCount} cells`);
        return;
      }
      if (!flags.json) console.log(`sweep ${created.id} started: ${created.cellCount} cells`);
      const final = await followSweep(api, created.id, flags.json ? () => undefined : (line) => console.log(line));
      if (flags.json) console.log(JSON.stringify(final, null, 2));
      if (final.status !== 'completed') process.exitCode = 1;
    });

  sweep
    .command('status')
    .description('show a sweep and its cells')
    .argument('<id>', 'sweep id')
    .option('--json', 'print JSON')
    .option('--watch', 'follow until it finishes')
    .action(async (id: string, flags: { json?: boolean; watch?: boolean }) => {
      const api = ApiClient.fromEnvironment();
      const detail = flags.watch
        ? await followSweep(api, id, flags.json ? () => undefined : (line) => console.log(line))
        : await api.get<SweepDetail>(`/api/sweeps/${encodeURIComponent(id)}`);
      console.log(flags.json ? JSON.stringify(detail, null, 2) : renderSweep(detail));
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
    .action(async (id: string) => {
      await ApiClient.fromEnvironment().post(`/api/sweeps/${encodeURIComponent(id)}/cancel`);
      console.log(`cancellation requested for sweep ${id}`);
    });

  sweep
    .command('rerun-failed')
    .description('re-run only the cells that failed or were cancelled; completed cells are kept')
    .argument('<id>', 'sweep id')
    .option('--wait', 'follow the sweep until it finishes')
    .action(async (id: string, flags: { wait?: boolean }) => {
      const api = ApiClient.fromEnvironment();
      const result = await api.post<RerunResult>(`/api/sweeps/${encodeURIComponent(id)}/rerun-failed`);
      const count = result.runIds.length;
      console.log(`re-running ${count} cell(s) of sweep ${id}`);
      if (flags.wait && count > 0) {
        const final = await followSweep(api, id, (line) => console.log(line));
        if (final.status !== 'completed') process.exitCode = 1;
      }
    });
}

/** Polls a sweep until it finishes, printing one line whenever its progress changes. */
export async function followSweep(api: ApiClient, id: string, print: (line: string) => void, intervalMs = 1000): Promise<SweepDetail> {
  let last = '';
  for (;;) {
    const detail = await api.get<SweepDetail>(`/api/sweeps/${encodeURIComponent(id)}`);
    const c = detail.counts;
    // The API's progress: a finished cell (even a failed one) counts as all its epochs.
    const progress = detail.progress ? `; progress ${detail.progress.epochsDone}/${detail.progress.epochsTotal} epochs` : '';
    const line = `  ${detail.status}: ${c.completed}/${detail.cellCount} cells done, ${c.running} running, ${c.failed} failed, ${c.cancelled} cancelled${progress}`;
    if (line !== last) print(line);
    last = line;
    // The sweep row can finish a moment before its last run rows are final: wait for both.
    if (FINISHED.has(detail.status) && detail.runs.every((run) => FINISHED.has(run.status) || run.status === 'pending')) return detail;
    await sleep(intervalMs);
  }
}

export function renderSweep(detail: SweepDetail): string {
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
