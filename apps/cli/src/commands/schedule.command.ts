import { readFileSync } from 'node:fs';
import { CreateScheduleBodySchema, invalidInput, parseOrThrow, type ScheduleRow } from '@agiqa/contracts';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { parse } from '../cli-error.js';
import { textTable } from '../format/text-table.js';


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
    .action(async (flags: { name: string; grid: string; cron?: string; every?: number; overlap?: string; paused?: boolean }) => {
      let grid: unknown;
      try {
        grid = JSON.parse(readFileSync(flags.grid, 'utf8'));
      } catch (error) {
        throw invalidInput(`--grid ${flags.grid}: ${(error as Error).message}`);
      }
      const body = parseOrThrow(
        CreateScheduleBodySchema,
        { name: flags.name, grid, cron: flags.cron, intervalSeconds: flags.every, overlap: flags.overlap, paused: flags.paused },
        'schedule',
      );
      const created = await ApiClient.fromEnvironment().post<ScheduleRow>('/api/schedules', body);
      console.log(`schedule ${created.id} (${created.name}) created`);
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
      .action(async (id: string) => {
        await ApiClient.fromEnvironment().post(`/api/schedules/${encodeURIComponent(id)}/${verb}`);
        console.log(`schedule ${id}: ${verb} done`);
      });
  }

  schedule
    .command('delete')
    .argument('<id>', 'schedule id')
    .action(async (id: string) => {
      await ApiClient.fromEnvironment().delete(`/api/schedules/${encodeURIComponent(id)}`);
      console.log(`schedule ${id} deleted`);
    });
}
