import { RUN_METRICS, type MetricStat, type RunGroup, type RunMetricName } from '@agiqa/contracts';
import { finiteOrNull, MISSING } from './format.js';

/** What the explorer page asks the API for; it lives in the URL (`#/runs?filter=…&groupBy=…`). */
export interface ExplorerQuery {
  /** Conditions as typed (`fusion=concat`, `srcc>=0.8`); the API parses and checks them. */
  filters: string[];
  /** `-srcc,seed`: comma-separated, `-` for descending. */
  sort: string;
  /** Comma-separated fields; empty: list runs. */
  groupBy: string;
  archived: 'exclude' | 'include' | 'only';
}

export const EMPTY_QUERY: ExplorerQuery = { filters: [], sort: '', groupBy: '', archived: 'exclude' };

/** Conditions typed in one box, separated by `;` or new lines. */
export function splitConditions(text: string): string[] {
  return text
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The API query string of an explorer query (repeated `filter`, the rest when set). */
export function explorerParams(query: ExplorerQuery, page: { limit: number; offset: number }): URLSearchParams {
  const params = new URLSearchParams();
  for (const f of query.filters) params.append('filter', f);
  if (query.sort) params.set('sort', query.sort);
  if (query.groupBy) params.set('groupBy', query.groupBy);
  if (query.archived !== 'exclude') params.set('archived', query.archived);
  params.set('limit', String(page.limit));
  params.set('offset', String(page.offset));
  return params;
}

/** `0.8123 ± 0.0130 (n=3)`; a single value without ±; nothing measured: —. */
export function formatStat(stat: MetricStat | undefined, digits = 4): string {
  const mean = finiteOrNull(stat?.mean);
  if (!stat || mean === null) return MISSING;
  const std = finiteOrNull(stat.std);
  return `${mean.toFixed(digits)}${std !== null && stat.n > 1 ? ` ± ${std.toFixed(digits)}` : ''} (n=${stat.n})`;
}

/** A group's label from its key: `fusion=concat, seed=1`. */
export function groupLabel(group: Pick<RunGroup, 'key'>): string {
  return Object.entries(group.key)
    .map(([field, value]) => `${field}=${value ?? MISSING}`)
    .join(', ');
}

/** The metrics a group row shows, in the API's order. */
export const GROUP_METRICS: readonly RunMetricName[] = RUN_METRICS;

/** A config value as table text: numbers as they are, objects as compact JSON. */
export function configText(config: Record<string, unknown>, path: string): string {
  let value: unknown = config;
  for (const key of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  if (value === undefined || value === null) return MISSING;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
