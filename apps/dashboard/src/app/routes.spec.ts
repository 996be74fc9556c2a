import { describe, expect, it } from 'vitest';
import { href, parseRoute, sectionOf, type Route } from './routes.js';

describe(parseRoute.name, () => {
  it('opens the sweeps list for an empty hash', () => {
    expect(parseRoute('')).toEqual({ name: 'sweeps' });
    expect(parseRoute('#/')).toEqual({ name: 'sweeps' });
  });

  it('reads ids and query parameters', () => {
    expect(parseRoute('#/sweeps/abc-1')).toEqual({ name: 'sweep', id: 'abc-1' });
    expect(parseRoute('#/sweeps/new?from=s1')).toEqual({ name: 'new-sweep', from: 's1' });
    expect(parseRoute('#/tables/1?dataset=agiqa3k')).toEqual({ name: 'table', table: '1', dataset: 'agiqa3k' });
    expect(parseRoute('#/compare?ids=a,%20b,a')).toEqual({ name: 'compare', ids: ['a', 'b'] });
  });

  it('defaults the tables section to Table 1', () => {
    expect(parseRoute('#/tables')).toEqual({ name: 'table', table: '1', dataset: null });
  });

  it('turns unknown paths and bad escapes into not-found instead of throwing', () => {
    expect(parseRoute('#/tables/9')).toEqual({ name: 'not-found', path: '/tables/9' });
    expect(parseRoute('#/nope')).toMatchObject({ name: 'not-found' });
    expect(parseRoute('#/runs/%E0%A4%A')).toMatchObject({ name: 'not-found' });
    expect(parseRoute('#/sweeps/a/b')).toMatchObject({ name: 'not-found' });
  });
});

describe(href.name, () => {
  const routes: Route[] = [
    { name: 'sweeps' },
    { name: 'new-sweep', from: null },
    { name: 'new-sweep', from: 'x y' },
    { name: 'sweep', id: 'a/b' },
    { name: 'run', id: 'r1' },
    { name: 'compare', ids: ['r1', 'r2'] },
    { name: 'compare', ids: [] },
    { name: 'table', table: 'timing', dataset: null },
    { name: 'table', table: '1', dataset: 'agiqa 3k' },
    { name: 'schedules' },
    { name: 'new-schedule', from: 's1' },
    { name: 'datasets' },
    { name: 'settings' },
  ];

  it('round-trips every route through parseRoute', () => {
    for (const route of routes) expect(parseRoute(href(route))).toEqual(route);
  });
});

describe(sectionOf.name, () => {
  it('groups sweep, run and form pages under their menu section', () => {
    expect(sectionOf({ name: 'run', id: 'r' })).toBe('sweeps');
    expect(sectionOf({ name: 'new-schedule', from: null })).toBe('schedules');
    expect(sectionOf({ name: 'not-found', path: '/x' })).toBeNull();
  });
});
