/** The table pages: the paper's Tables 1–3 and the timing comparison. */
export const TABLE_KEYS = ['1', '2', '3', 'timing'] as const;
export type TableKey = (typeof TABLE_KEYS)[number];

/** Every page of the dashboard, addressed by the URL hash (`#/sweeps/abc`). */
export type Route =
  | { name: 'sweeps' }
  | { name: 'new-sweep'; from: string | null }
  | { name: 'sweep'; id: string }
  | { name: 'run'; id: string }
  | { name: 'compare'; ids: string[] }
  | { name: 'table'; table: TableKey; dataset: string | null }
  | { name: 'schedules' }
  | { name: 'new-schedule'; from: string | null }
  | { name: 'datasets' }
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
      return b === undefined ? notFound : { name: 'run', id: b };
    case 'compare': {
      if (b !== undefined) return notFound;
      const ids = (query.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      return { name: 'compare', ids: [...new Set(ids)] };
    }
    case 'tables': {
      const table = (b ?? '1') as TableKey;
      if (!TABLE_KEYS.includes(table)) return notFound;
      return { name: 'table', table, dataset: query.get('dataset') || null };
    }
    case 'schedules':
      if (b === undefined) return { name: 'schedules' };
      return b === 'new' ? { name: 'new-schedule', from } : notFound;
    case 'datasets':
      return b === undefined ? { name: 'datasets' } : notFound;
    case 'settings':
      return b === undefined ? { name: 'settings' } : notFound;
    default:
      return notFound;
  }
}

function withQuery(path: string, params: Record<string, string | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
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
    case 'compare':
      // Commas stay literal so that the URL reads like the API's `?ids=a,b`.
      return route.ids.length ? `#/compare?ids=${route.ids.map(e).join(',')}` : '#/compare';
    case 'table':
      return withQuery(`#/tables/${route.table}`, { dataset: route.dataset });
    case 'schedules':
      return '#/schedules';
    case 'new-schedule':
      return withQuery('#/schedules/new', { from: route.from });
    case 'datasets':
      return '#/datasets';
    case 'settings':
      return '#/settings';
    case 'not-found':
      return `#${route.path}`;
  }
}

/** The navigation section a route belongs to (highlighted in the menu). */
export function sectionOf(route: Route): 'sweeps' | 'compare' | 'tables' | 'schedules' | 'datasets' | 'settings' | null {
  switch (route.name) {
    case 'sweeps':
    case 'new-sweep':
    case 'sweep':
    case 'run':
      return 'sweeps';
    case 'compare':
      return 'compare';
    case 'table':
      return 'tables';
    case 'schedules':
    case 'new-schedule':
      return 'schedules';
    case 'datasets':
      return 'datasets';
    case 'settings':
      return 'settings';
    case 'not-found':
      return null;
  }
}
