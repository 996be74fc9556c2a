import type { Table1 } from '@agiqa/contracts';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { renderTable1 } from '../format/table1.js';

const TABLES = ['1', '2', '3', 'timing'] as const;

export function registerTableCommands(program: Command): void {
  program
    .command('table')
    .description("rebuild one of the paper's tables from the runs in Postgres (1, 2, 3 or timing)")
    .argument('<which>', TABLES.join(' | '))
    .option('--dataset <name>', 'Table 1: which dataset (default: the one with most completed runs)')
    .option('--json', 'print JSON')
    .action(async (which: string, flags: { dataset?: string; json?: boolean }) => {
      if (!(TABLES as readonly string[]).includes(which)) {
        throw new Error(`unknown table "${which}"; valid: ${TABLES.join(', ')}`);
      }
      const query = flags.dataset ? `?dataset=${encodeURIComponent(flags.dataset)}` : '';
      const table = await ApiClient.fromEnvironment().get<unknown>(`/api/tables/${which}${query}`);
      if (flags.json) console.log(JSON.stringify(table, null, 2));
      else if (which === '1') console.log(renderTable1(table as Table1));
      else console.log(JSON.stringify(table, null, 2));
    });
}
