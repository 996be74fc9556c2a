import { readFileSync } from 'node:fs';
import { CreateScheduleBodySchema, invalidInput, SCHEDULE_OVERLAP_POLICIES, type ScheduleRow } from '@agiqa/contracts';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { parse } from '../cli-error.js';
import { inFlagWords, parseFlags, type FlagTable } from '../flag-errors.js';
import { textTable } from '../format/text-table.js';
import { GRID_FLAGS } from './sweep.command.js';

/** Schedule body fields → the `schedule create` flag that sets them; grid fields are named in the file. */
const SCHEDULE_FLAGS: FlagTable = {
  ...Object.fromEntries(Object.entries(GRID_FLAGS).map(([path, spec]) => [`grid.${path}`, { ...spec, flag: `${path} (in --grid)` }])),
  name: { flag: '--name' },
  cron: { flag: '--cron' },
  intervalSeconds: { flag: '--every' },
  overlap: { flag: '--overlap', choices: SCHEDULE_OVERLAP_POLICIES },
  paused: { flag: '--paused' },
};

export function registerScheduleCommands(program: Command): void {
  const schedule = program.command('schedule').description('retrain a grid on a schedule (Temporal Schedules)');

  schedule
    .command('create')
    .description('schedule a grid: each firing creates a sweep linked to the schedule')
    .requiredOption('--name <name>', 'unique schedule name')
    .requiredOption('--grid <grid.json>', 'grid spec as JSON (same fields as `sweep start --file`)')
    .option('--cron <expr>', 'cron expression in UTC, e.g. "0 3 * * 1"')
    .option('--every <seconds>', 'interval in seconds (≥ 60)', parse.int('--every', 60))
    .option('--overlap <policy>', 'skip (default) | buffer_one | allow_all | cancel_other')
    .option('--paused', 'create paused')
    .option('--json', 'print the schedule as JSON')
    .action(async (flags: { name: string; grid: string; cron?: string; every?: number; overlap?: string; paused?: boolean; json?: boolean }) => {
      let grid: unknown;
      try {
        grid = JSON.parse(readFileSync(flags.grid, 'utf8'));
      } catch (error) {
        throw invalidInput(`--grid ${flags.grid}: ${(error as Error).message}`);
      }
      if ((flags.cron === undefined) === (flags.every === undefined)) {
        throw invalidInput('give exactly one of --cron "<expr>" or --every <seconds>');
      }
      const body = parseFlags(
        CreateScheduleBodySchema,
        { name: flags.name, grid, cron: flags.cron, intervalSeconds: flags.every, overlap: flags.overlap, paused: flags.paused },
        SCHEDULE_FLAGS,
        'cannot create the schedule',
      );
      const created = await ApiClient.fromEnvironment().post<ScheduleRow>('/api/schedules', body).catch((error: unknown) => {
        throw inFlagWords(error, SCHEDULE_FLAGS);
      });
      console.log(flags.json ? JSON.stringify(created, null, 2) : `schedule ${created.id} (${created.name}) created`);
    });

  schedule
    .command('list')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const items = await ApiClient.fromEnvironment().get<ScheduleRow[]>('/api/schedules');
      if (flags.json) {
        console.log(JSON.stringify(items, null, 2));
        return;
      }
      console.log(
        textTable(
          ['id', 'name', 'spec', 'overlap', 'paused', 'next run'],
          items.map((s) => [s.id, s.name, s.cron ?? `every ${s.intervalSeconds}s`, s.overlap, s.paused ? 'yes' : 'no', s.nextRunAt ?? null]),
        ),
      );
    });

  for (const [verb, description] of [
    ['pause', 'pause a schedule'],
    ['resume', 'resume a paused schedule'],
    ['trigger', 'run a schedule now (creates a sweep)'],
  ] as const) {
    schedule
      .command(verb)
      .description(description)
      .argument('<id>', 'schedule id')
      .option('--json', 'print the API answer as JSON')
      .action(async (id: string, flags: { json?: boolean }) => {
        const answer = await ApiClient.fromEnvironment().post<unknown>(`/api/schedules/${encodeURIComponent(id)}/${verb}`);
        console.log(flags.json ? JSON.stringify(answer ?? { id, action: verb }, null, 2) : `schedule ${id}: ${verb} done`);
      });
  }

  schedule
    .command('delete')
    .argument('<id>', 'schedule id')
    .option('--json', 'print { id, deleted } as JSON')
    .action(async (id: string, flags: { json?: boolean }) => {
      await ApiClient.fromEnvironment().delete(`/api/schedules/${encodeURIComponent(id)}`);
      console.log(flags.json ? JSON.stringify({ id, deleted: true }) : `schedule ${id} deleted`);
    });
}
