import type { ApiClient } from '../api/client.js';
import type { TokenStore } from '../api/token.js';
import { errorBox } from '../ui/components.js';
import { h, replace } from '../ui/dom.js';
import { compareView } from '../views/compare.js';
import { datasetView } from '../views/dataset.js';
import { datasetsView } from '../views/datasets.js';
import { explorerView } from '../views/explorer.js';
import { newSweepView } from '../views/new-sweep.js';
import { runDetailView } from '../views/run-detail.js';
import { newScheduleView, schedulesView } from '../views/schedules.js';
import { settingsView } from '../views/settings.js';
import { sweepDetailView } from '../views/sweep-detail.js';
import { sweepsView } from '../views/sweeps.js';
import { tablesView } from '../views/tables.js';
import { href, parseRoute, sectionOf, tableRoute, type Route, type RouteName } from './routes.js';
import type { View, ViewContext } from './view.js';

type ViewRegistry = { [K in RouteName]: View<Extract<Route, { name: K }>> };

function notFoundView(ctx: ViewContext, route: Extract<Route, { name: 'not-found' }>): void {
  replace(ctx.root, h('h1', null, 'Page not found'), h('p', null, 'Nothing lives at ', h('code', null, route.path), '. ', h('a', { href: href({ name: 'sweeps' }) }, 'Go to the sweeps.')));
}

/** Every page by route name: a route without a view fails to compile. */
const VIEWS: ViewRegistry = {
  sweeps: sweepsView,
  'new-sweep': newSweepView,
  sweep: sweepDetailView,
  run: runDetailView,
  explorer: explorerView,
  compare: compareView,
  table: tablesView,
  schedules: schedulesView,
  'new-schedule': newScheduleView,
  datasets: datasetsView,
  dataset: datasetView,
  settings: settingsView,
  'not-found': notFoundView,
};

const TITLES: Record<RouteName, string> = {
  sweeps: 'Sweeps',
  'new-sweep': 'New sweep',
  sweep: 'Sweep',
  run: 'Run',
  explorer: 'Runs',
  compare: 'Compare',
  table: 'Tables',
  schedules: 'Schedules',
  'new-schedule': 'New schedule',
  datasets: 'Datasets',
  dataset: 'Dataset',
  settings: 'API token',
  'not-found': 'Not found',
};

const NAV: { section: NonNullable<ReturnType<typeof sectionOf>>; label: string; route: Route }[] = [
  { section: 'sweeps', label: 'Sweeps', route: { name: 'sweeps' } },
  { section: 'runs', label: 'Runs', route: { name: 'explorer', query: { filters: [], sort: '', groupBy: '', archived: 'exclude' } } },
  { section: 'compare', label: 'Compare', route: { name: 'compare', ids: [], filters: [], groupBy: '' } },
  { section: 'tables', label: 'Tables', route: tableRoute('1') },
  { section: 'schedules', label: 'Schedules', route: { name: 'schedules' } },
  { section: 'datasets', label: 'Datasets', route: { name: 'datasets' } },
  { section: 'settings', label: 'API token', route: { name: 'settings' } },
];

/**
 * Mounts the dashboard into `mount`: header navigation, a status line, and the page of the current
 * hash. Leaving a page aborts its requests and stops its polling.
 */
export function startShell(mount: HTMLElement, api: ApiClient, tokens: TokenStore): void {
  const links = NAV.map((n) => h('a', { href: href(n.route), 'data-section': n.section }, n.label));
  const tokenState = h('a', { class: 'token-state', id: 'token-state', href: href({ name: 'settings' }), title: 'API token used for writes' });
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite', id: 'status-line' });
  const main = h('main', { id: 'main', tabindex: -1 });
  replace(
    mount,
    h('a', { class: 'skip', href: '#main', onclick: (e: Event) => (e.preventDefault(), main.focus()) }, 'Skip to content'),
    h('header', { class: 'app-header' }, h('a', { class: 'brand', href: href({ name: 'sweeps' }) }, 'agiqa'), h('nav', { class: 'main-nav', 'aria-label': 'Main' }, links), tokenState),
    status,
    main,
  );

  const showToken = () => (tokenState.textContent = tokens.get() ? 'token set' : 'no token');
  let statusTimer: ReturnType<typeof setTimeout> | undefined;
  const notify = (message: string, kind: 'info' | 'error' = 'info') => {
    status.textContent = message;
    status.className = `status-line ${kind}`;
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => (status.textContent = ''), 6000);
  };

  let current: { controller: AbortController; disposers: (() => void)[] } | null = null;

  const render = () => {
    if (current) {
      current.controller.abort();
      for (const dispose of current.disposers.splice(0)) {
        try {
          dispose();
        } catch {
          // A failing cleanup must not keep the next page from rendering.
        }
      }
    }
    const route = parseRoute(window.location.hash);
    const page = { controller: new AbortController(), disposers: [] as (() => void)[] };
    current = page;
    const root = h('div', { class: `page page-${route.name}` });
    replace(main, root);
    const section = sectionOf(route);
    for (const link of links) {
      const active = link.dataset['section'] === section;
      link.classList.toggle('active', active);
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${TITLES[route.name]} · agiqa`;
    showToken();
    const ctx: ViewContext = {
      root,
      api,
      tokens: {
        get: () => tokens.get(),
        set: (token) => (tokens.set(token), showToken()),
      },
      signal: page.controller.signal,
      navigate: (next) => {
        window.location.hash = href(next);
      },
      onDispose: (fn) => page.disposers.push(fn),
      notify,
    };
    const view = VIEWS[route.name] as View;
    Promise.resolve()
      .then(() => view(ctx, route))
      .catch((error: unknown) => {
        if (!page.controller.signal.aborted) replace(root, errorBox(error, 'Rendering this page'));
      });
  };

  window.addEventListener('hashchange', render);
  render();
}
