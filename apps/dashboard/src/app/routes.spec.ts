import { describe, expect, it } from 'vitest';
import { href, parseRoute, sectionOf, tableRoute, type Route } from './routes.js';

describe(parseRoute.name, () => {
  it('opens the sweeps list for an empty hash', () => {
    expect(parseRoute('')).toEqual({ name: 'sweeps' });
    expect(parseRoute('#/')).toEqual({ name: 'sweeps' });
  });

  it('reads ids and query parameters', () => {
    expect(parseRoute('#/sweeps/abc-1')).toEqual({ name: 'sweep', id: 'abc-1' });
    expect(parseRoute('#/sweeps/new?from=s1')).toEqual({ name: 'new-sweep', from: 's1' });
    expect(parseRoute('#/tables/1?dataset=agiqa3k')).toEqual(tableRoute('1', { dataset: 'agiqa3k' }));
    expect(parseRoute('#/tables/2?setting=set_0123456789ab&plcc=logistic&inProgress=include')).toEqual(
      tableRoute('2', { setting: 'set_0123456789ab', plcc: 'logistic', inProgress: 'include' }),
    );
    expect(parseRoute('#/compare?ids=a,%20b,a')).toEqual({ name: 'compare', ids: ['a', 'b'], filters: [], groupBy: '' });
    expect(parseRoute('#/runs?filter=fusion%3Dconcat&filter=srcc%3E%3D0.5&groupBy=seed')).toEqual({
      name: 'explorer',
      query: { filters: ['fusion=concat', 'srcc>=0.5'], sort: '', groupBy: 'seed', archived: 'exclude' },
    });
    expect(parseRoute('#/datasets/agiqa3k')).toEqual({ name: 'dataset', id: 'agiqa3k' });
  });

  it('defaults the tables section to Table 1', () => {
    expect(parseRoute('#/tables')).toEqual(tableRoute('1'));
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
    { name: 'compare', ids: ['r1', 'r2'], filters: [], groupBy: '' },
    { name: 'compare', ids: [], filters: [], groupBy: '' },
    { name: 'compare', ids: [], filters: ['fusion=concat', 'seed>=2'], groupBy: 'textEncoder,fusion' },
    { name: 'explorer', query: { filters: ['tag=a b'], sort: '-srcc', groupBy: '', archived: 'include' } },
    { name: 'dataset', id: 'synth 1' },
    tableRoute('timing'),
    tableRoute('1', { dataset: 'agiqa 3k', sweep: 's 1', plcc: 'logistic' }),
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
    expect(sectionOf({ name: 'run', id: 'r' })).toBe('runs');
    expect(sectionOf({ name: 'dataset', id: 'd' })).toBe('datasets');
    expect(sectionOf({ name: 'new-schedule', from: null })).toBe('schedules');
    expect(sectionOf({ name: 'not-found', path: '/x' })).toBeNull();
  });
});
