import type { ApiClient } from '../api/client.js';
import type { TokenStore } from '../api/token.js';
import type { Route } from './routes.js';

/** What a view receives: where to draw, how to reach the API, and its own lifetime. */
export interface ViewContext {
  root: HTMLElement;
  api: ApiClient;
  tokens: TokenStore;
  /** Aborted when the user leaves the page: pending requests and polling stop. */
  signal: AbortSignal;
  navigate(route: Route): void;
  /** Runs `fn` when the page is left (plotly purge, timers). */
  onDispose(fn: () => void): void;
  /** A short message in the status area (`aria-live`), e.g. "Cancellation requested". */
  notify(message: string, kind?: 'info' | 'error'): void;
}

/** A page of the dashboard: draws itself into `ctx.root`. */
export type View<R extends Route = Route> = (ctx: ViewContext, route: R) => void | Promise<void>;

/**
 * Calls `tick` now and then every `intervalMs` after the previous call finished (never two at
 * once), while `active()` holds and the page is open. Skips ticks while the tab is hidden.
 */
export function poll(ctx: Pick<ViewContext, 'signal' | 'onDispose'>, intervalMs: number, tick: () => Promise<void>, active: () => boolean): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const schedule = () => {
    if (ctx.signal.aborted || !active()) return;
    timer = setTimeout(run, intervalMs);
  };
  const run = async () => {
    if (ctx.signal.aborted) return;
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return schedule();
    try {
      await tick();
    } finally {
      schedule();
    }
  };
  ctx.onDispose(() => clearTimeout(timer));
  schedule();
}

/** Whether an error is the abort of a request whose page was left (not worth showing). */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
