import type { Config, Data, Layout } from 'plotly.js-dist-min';
import type { ViewContext } from '../app/view.js';

type PlotlyModule = typeof import('plotly.js-dist-min').default;

let plotly: Promise<PlotlyModule> | null = null;

/** plotly is ~4.7 MB: it loads on the first chart, in its own chunk, and is then cached. */
export function loadPlotly(): Promise<PlotlyModule> {
  plotly ??= import('plotly.js-dist-min').then((m) => m.default);
  return plotly;
}

const CONFIG: Partial<Config> = { responsive: true, displaylogo: false };

const BASE_LAYOUT: Partial<Layout> = {
  margin: { l: 60, r: 30, t: 40, b: 50 },
  font: { family: 'system-ui, -apple-system, "Segoe UI", sans-serif', size: 12 },
  paper_bgcolor: 'rgba(0,0,0,0)',
  plot_bgcolor: '#fff',
  // Above the plot: below it, the legend collides with the x-axis title and rotated tick labels.
  legend: { orientation: 'h', x: 0, y: 1.02, yanchor: 'bottom' },
};

const registered = new WeakSet<HTMLElement>();

/**
 * Draws (or redraws, diffing through `Plotly.react`) a chart into `el`, and purges it when the page
 * is left so that plotly's listeners and WebGL contexts do not outlive the view.
 */
export async function drawPlot(ctx: Pick<ViewContext, 'onDispose' | 'signal'>, el: HTMLElement, data: Data[], layout: Partial<Layout> = {}): Promise<void> {
  const Plotly = await loadPlotly();
  if (ctx.signal.aborted || !el.isConnected) return;
  await Plotly.react(el, data, { ...BASE_LAYOUT, ...layout }, CONFIG);
  if (!registered.has(el)) {
    registered.add(el);
    ctx.onDispose(() => Plotly.purge(el));
  }
}
