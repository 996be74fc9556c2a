import { invalidInput, type SettingsList, type Table1, type Table2, type Table3, type TimingTable } from '@agiqa/contracts';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { renderSettings, renderTable2, renderTable3, renderTiming } from '../format/paper-tables.js';
import { renderTable1 } from '../format/table1.js';

const TABLES = ['1', '2', '3', 'timing', 'settings'] as const;
type Which = (typeof TABLES)[number];

/** `text` is for the terminal; the others are what the API exports (`?format=`). */
const FORMATS = ['text', 'json', 'latex', 'csv', 'md'] as const;
type Format = (typeof FORMATS)[number];

const RENDERERS: Record<Which, (table: unknown) => string> = {
  '1': (t) => renderTable1(t as Table1),
  '2': (t) => renderTable2(t as Table2),
  '3': (t) => renderTable3(t as Table3),
  timing: (t) => renderTiming(t as TimingTable),
  settings: (t) => renderSettings(t as SettingsList),
};

export function registerTableCommands(program: Command): void {
  program
    .command('table')
    .description("rebuild one of the paper's tables from the runs in Postgres (1, 2, 3, timing), or list the settings they can show")
    .argument('<which>', TABLES.join(' | '))
    .option('--dataset <name>', 'Table 1 and settings: which dataset (default: the sweep\'s, else the one with most completed runs)')
    .option('--sweep <id>', "Tables 1-3: that sweep's runs on that sweep's dataset(s)")
    .option('--setting <id>', "Tables 1-3: a setting id from `agiqa table settings` (default: the paper's protocol)")
    .option('--agiqa3k <name>', 'Tables 2 and 3: the registered dataset standing for AGIQA-3K')
    .option('--aigciqa2023 <name>', 'Table 2: the registered dataset standing for AIGCIQA2023')
    .option('--pku-i2iqa <name>', 'Table 2: the registered dataset standing for PKU-I2IQA')
    .option('--plcc <variant>', 'Tables 1-3: PLCC raw or after the 4-parameter logistic fit (raw | logistic)')
    .option('--include-in-progress', 'count completed runs of sweeps still in progress (marked) instead of leaving them out')
    .option('--hide-published', "Table 3: leave out other papers' published rows")
    .option('--format <format>', `${FORMATS.join(' | ')} (default text; latex, csv and md are the API's exports)`)
    .option('--json', 'print JSON (same as --format json)')
    .action(async (which: string, flags: TableFlags) => {
      if (!(TABLES as readonly string[]).includes(which)) {
        throw invalidInput(`unknown table "${which}"; valid: ${TABLES.join(', ')}`);
      }
      const format = outputFormat(which as Which, flags);
      const query = tableQuery(which as Which, flags, format);
      const client = ApiClient.fromEnvironment();
      if (format === 'latex' || format === 'csv' || format === 'md') {
        process.stdout.write(await client.getText(`/api/tables/${which}${query}`));
        return;
      }
      const table = await client.get<unknown>(`/api/tables/${which}${query}`);
      if (format === 'json') console.log(JSON.stringify(table, null, 2));
      else console.log(RENDERERS[which as Which](table));
    });
}

interface TableFlags {
  dataset?: string;
  sweep?: string;
  setting?: string;
  agiqa3k?: string;
  aigciqa2023?: string;
  pkuI2iqa?: string;
  plcc?: string;
  includeInProgress?: boolean;
  hidePublished?: boolean;
  format?: string;
  json?: boolean;
}

function outputFormat(which: Which, flags: TableFlags): Format {
  if (flags.json && flags.format !== undefined && flags.format !== 'json') throw invalidInput(`--json and --format ${flags.format} disagree: give one`);
  const format = flags.json ? 'json' : (flags.format ?? 'text');
  if (!(FORMATS as readonly string[]).includes(format)) throw invalidInput(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  if (which === 'settings' && format !== 'text' && format !== 'json') throw invalidInput('agiqa table settings prints text or JSON only');
  return format as Format;
}

interface FlagSpec {
  flag: string;
  key: keyof TableFlags;
  param: string;
  /** The query value for a boolean flag. */
  value?: string;
}

const AGGREGATION: FlagSpec[] = [
  { flag: '--plcc', key: 'plcc', param: 'plcc' },
  { flag: '--include-in-progress', key: 'includeInProgress', param: 'inProgress', value: 'include' },
];
const PICK: FlagSpec[] = [
  { flag: '--sweep', key: 'sweep', param: 'sweep' },
  { flag: '--setting', key: 'setting', param: 'setting' },
];

/** Which flags each table takes; a flag given to a table that ignores it is an error naming it. */
const TABLE_FLAGS: Record<Which, FlagSpec[]> = {
  '1': [{ flag: '--dataset', key: 'dataset', param: 'dataset' }, ...PICK, ...AGGREGATION],
  '2': [
    { flag: '--agiqa3k', key: 'agiqa3k', param: 'agiqa3k' },
    { flag: '--aigciqa2023', key: 'aigciqa2023', param: 'aigciqa2023' },
    { flag: '--pku-i2iqa', key: 'pkuI2iqa', param: 'pku_i2iqa' },
    ...PICK,
    ...AGGREGATION,
  ],
  '3': [{ flag: '--agiqa3k', key: 'agiqa3k', param: 'agiqa3k' }, { flag: '--hide-published', key: 'hidePublished', param: 'published', value: 'false' }, ...PICK, ...AGGREGATION],
  timing: [AGGREGATION[1]],
  settings: [{ flag: '--dataset', key: 'dataset', param: 'dataset' }, AGGREGATION[1]],
};

/** The API query for a table: its flags as parameters (plus `format` for the API's exports). */
export function tableQuery(which: Which, flags: TableFlags, format: Format = 'text'): string {
  const accepted = TABLE_FLAGS[which];
  const all = Object.values(TABLE_FLAGS).flat();
  for (const { flag, key } of all) {
    if (flags[key] !== undefined && !accepted.some((a) => a.key === key)) {
      throw invalidInput(`${flag} does not apply to table ${which}${accepted.length ? `; it takes ${accepted.map((a) => a.flag).join(', ')}` : ''}`);
    }
  }
  const params = new URLSearchParams();
  for (const { key, param, value } of accepted) {
    const given = flags[key];
    if (typeof given === 'string') params.set(param, given);
    else if (given === true && value !== undefined) params.set(param, value);
  }
  if (format === 'latex' || format === 'csv' || format === 'md') params.set('format', format);
  const text = params.toString();
  return text ? `?${text}` : '';
}
