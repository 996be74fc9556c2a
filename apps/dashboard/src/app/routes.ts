import type { ExplorerQuery } from '../model/explorer.js';

/** The table pages: the paper's Tables 1–3 and the timing comparison. */
export const TABLE_KEYS = ['1', '2', '3', 'timing'] as const;
export type TableKey = (typeof TABLE_KEYS)[number];

/**
 * What a table page shows beyond the table itself, as the API's query takes it (null: the API's
 * default): Table 1's dataset; the setting or sweep the measured figures come from; the PLCC
 * variant (`logistic`); whether runs of sweeps in progress count (`include`). The last four carry
 * over when switching tables.
 */
export interface TablePageQuery {
  dataset: string | null;
  setting: string | null;
  sweep: string | null;
  plcc: string | null;
  inProgress: string | null;
}

/** A table page with the given table and query (omitted fields: the API's default). */
export function tableRoute(table: TableKey, query: Partial<TablePageQuery> = {}): Extract<Route, { name: 'table' }> {
  return { name: 'table', table, dataset: null, setting: null, sweep: null, plcc: null, inProgress: null, ...query };
}

/** Every page of the dashboard, addressed by the URL hash (`#/sweeps/abc`). */
export type Route =
  | { name: 'sweeps' }
  | { name: 'new-sweep'; from: string | null }
  | { name: 'sweep'; id: string }
  | { name: 'run'; id: string }
  | { name: 'explorer'; query: ExplorerQuery }
  /** Runs by id, or the runs of an explorer query (one series per group with `groupBy`). */
  | { name: 'compare'; ids: string[]; filters: string[]; groupBy: string }
  | ({ name: 'table'; table: TableKey } & TablePageQuery)
  | { name: 'schedules' }
  | { name: 'new-schedule'; from: string | null }
  | { name: 'datasets' }
  | { name: 'dataset'; id: string }
  | { name: 'settings' }
  | { name: 'not-found'; path: string };

export type RouteName = Route['name'];

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * Reads a URL hash (`#/tables/1?dataset=agiqa3k`) into a route. Unknown paths become `not-found`
 * (shown as such), never an exception; an empty hash is the sweeps list.
 */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart, queryPart = ''] = raw.split('?', 2);
  const query = new URLSearchParams(queryPart);
  const segments = pathPart.split('/').filter((s) => s !== '').map(decode);
  const notFound: Route = { name: 'not-found', path: raw || '/' };
  if (segments.some((s) => s === null)) return notFound;
  const [a, b, ...rest] = segments as string[];
  if (rest.length > 0) return notFound;
  const from = query.get('from') || null;

  switch (a) {
    case undefined:
      return { name: 'sweeps' };
    case 'sweeps':
      if (b === undefined) return { name: 'sweeps' };
      return b === 'new' ? { name: 'new-sweep', from } : { name: 'sweep', id: b };
    case 'runs':
      return b === undefined ? { name: 'explorer', query: explorerQueryOf(query) } : { name: 'run', id: b };
    case 'compare': {
      if (b !== undefined) return notFound;
      const ids = (query.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      return { name: 'compare', ids: [...new Set(ids)], filters: query.getAll('filter'), groupBy: query.get('groupBy') ?? '' };
    }
    case 'tables': {
      const table = (b ?? '1') as TableKey;
      if (!TABLE_KEYS.includes(table)) return notFound;
      const get = (key: keyof TablePageQuery) => query.get(key) || null;
      return tableRoute(table, { dataset: get('dataset'), setting: get('setting'), sweep: get('sweep'), plcc: get('plcc'), inProgress: get('inProgress') });
    }
    case 'schedules':
      if (b === undefined) return { name: 'schedules' };
      return b === 'new' ? { name: 'new-schedule', from } : notFound;
    case 'datasets':
      return b === undefined ? { name: 'datasets' } : { name: 'dataset', id: b };
    case 'settings':
      return b === undefined ? { name: 'settings' } : notFound;
    default:
      return notFound;
  }
}

function withQuery(path: string, params: Record<string, string | readonly string[] | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) for (const item of v) q.append(k, item);
    else if (typeof v === 'string' && v) q.set(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

const ARCHIVED = ['exclude', 'include', 'only'] as const;

function explorerQueryOf(query: URLSearchParams): ExplorerQuery {
  const archived = query.get('archived');
  return {
    filters: query.getAll('filter').filter(Boolean),
    sort: query.get('sort') ?? '',
    groupBy: query.get('groupBy') ?? '',
    archived: (ARCHIVED as readonly string[]).includes(archived ?? '') ? (archived as ExplorerQuery['archived']) : 'exclude',
  };
}

/** The hash (`#/…`) that {@link parseRoute} reads back into `route`. */
export function href(route: Route): string {
  const e = encodeURIComponent;
  switch (route.name) {
    case 'sweeps':
      return '#/sweeps';
    case 'new-sweep':
      return withQuery('#/sweeps/new', { from: route.from });
    case 'sweep':
      return `#/sweeps/${e(route.id)}`;
    case 'run':
      return `#/runs/${e(route.id)}`;
    case 'explorer':
      return withQuery('#/runs', {
        filter: route.query.filters,
        sort: route.query.sort,
        groupBy: route.query.groupBy,
        archived: route.query.archived === 'exclude' ? null : route.query.archived,
      });
    case 'compare':
      // Commas stay literal so that the URL reads like the API's `?ids=a,b`.
      if (route.ids.length) return `#/compare?ids=${route.ids.map(e).join(',')}`;
      return withQuery('#/compare', { filter: route.filters, groupBy: route.groupBy });
    case 'table':
      return withQuery(`#/tables/${route.table}`, { dataset: route.dataset, setting: route.setting, sweep: route.sweep, plcc: route.plcc, inProgress: route.inProgress });
    case 'schedules':
      return '#/schedules';
    case 'new-schedule':
      return withQuery('#/schedules/new', { from: route.from });
    case 'datasets':
      return '#/datasets';
    case 'dataset':
      return `#/datasets/${e(route.id)}`;
    case 'settings':
      return '#/settings';
    case 'not-found':
      return `#${route.path}`;
  }
}

/** The navigation section a route belongs to (highlighted in the menu). */
export function sectionOf(route: Route): 'sweeps' | 'runs' | 'compare' | 'tables' | 'schedules' | 'datasets' | 'settings' | null {
  switch (route.name) {
    case 'sweeps':
    case 'new-sweep':
    case 'sweep':
      return 'sweeps';
    case 'run':
    case 'explorer':
      return 'runs';
    case 'compare':
      return 'compare';
    case 'table':
      return 'tables';
    case 'schedules':
    case 'new-schedule':
      return 'schedules';
    case 'datasets':
    case 'dataset':
      return 'datasets';
    case 'settings':
      return 'settings';
    case 'not-found':
      return null;
  }
}
