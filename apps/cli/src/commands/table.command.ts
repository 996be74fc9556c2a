import { invalidInput, type Table1, type Table2, type Table3, type TimingTable } from '@agiqa/contracts';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { renderTable2, renderTable3, renderTiming } from '../format/paper-tables.js';
import { renderTable1 } from '../format/table1.js';

const TABLES = ['1', '2', '3', 'timing'] as const;

const RENDERERS: Record<(typeof TABLES)[number], (table: unknown) => string> = {
  '1': (t) => renderTable1(t as Table1),
  '2': (t) => renderTable2(t as Table2),
  '3': (t) => renderTable3(t as Table3),
  timing: (t) => renderTiming(t as TimingTable),
};

export function registerTableCommands(program: Command): void {
  program
    .command('table')
    .description("rebuild one of the paper's tables from the runs in Postgres (1, 2, 3 or timing)")
    .argument('<which>', TABLES.join(' | '))
    .option('--dataset <name>', 'Table 1: which dataset (default: the one with most completed runs)')
    .option('--sweep <id>', "Table 1: show the setting this sweep ran (default: the latest completed run's)")
    .option('--agiqa3k <name>', 'Tables 2 and 3: the registered dataset standing for AGIQA-3K')
    .option('--aigciqa2023 <name>', 'Table 2: the registered dataset standing for AIGCIQA2023')
    .option('--pku-i2iqa <name>', 'Table 2: the registered dataset standing for PKU-I2IQA')
    .option('--json', 'print JSON')
    .action(async (which: string, flags: TableFlags) => {
      if (!(TABLES as readonly string[]).includes(which)) {
        throw invalidInput(`unknown table "${which}"; valid: ${TABLES.join(', ')}`);
      }
      const query = tableQuery(which as (typeof TABLES)[number], flags);
      const table = await ApiClient.fromEnvironment().get<unknown>(`/api/tables/${which}${query}`);
      if (flags.json) console.log(JSON.stringify(table, null, 2));
      else console.log(RENDERERS[which as (typeof TABLES)[number]](table));
    });
}

interface TableFlags {
  dataset?: string;
  sweep?: string;
  agiqa3k?: string;
  aigciqa2023?: string;
  pkuI2iqa?: string;
  json?: boolean;
}

/** Which flags each table takes; a flag given to a table that ignores it is an error naming it. */
const TABLE_FLAGS: Record<(typeof TABLES)[number], { flag: string; key: keyof TableFlags; param: string }[]> = {
  '1': [
    { flag: '--dataset', key: 'dataset', param: 'dataset' },
    { flag: '--sweep', key: 'sweep', param: 'sweep' },
  ],
  '2': [
    { flag: '--agiqa3k', key: 'agiqa3k', param: 'agiqa3k' },
    { flag: '--aigciqa2023', key: 'aigciqa2023', param: 'aigciqa2023' },
    { flag: '--pku-i2iqa', key: 'pkuI2iqa', param: 'pku_i2iqa' },
  ],
  '3': [{ flag: '--agiqa3k', key: 'agiqa3k', param: 'agiqa3k' }],
  timing: [],
};

export function tableQuery(which: (typeof TABLES)[number], flags: TableFlags): string {
  const accepted = TABLE_FLAGS[which];
  const all = Object.values(TABLE_FLAGS).flat();
  for (const { flag, key } of all) {
    if (flags[key] !== undefined && !accepted.some((a) => a.key === key)) {
      throw invalidInput(`${flag} does not apply to table ${which}${accepted.length ? `; it takes ${accepted.map((a) => a.flag).join(', ')}` : ''}`);
    }
  }
  const params = new URLSearchParams();
  for (const { key, param } of accepted) {
    const value = flags[key];
    if (typeof value === 'string') params.set(param, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
