/** What every view shows in place of a missing, NaN or infinite value. */
export const MISSING = '—';

/** A finite number, or null for anything that must render as {@link MISSING}. */
export function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Fixed-point text (`0.8813`), or {@link MISSING}. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  const v = finiteOrNull(value);
  return v === null ? MISSING : v.toFixed(digits);
}

/** Mean ± std (`0.8813 ± 0.0041`); the std is left out when missing or when there was one run. */
export function formatMeanStd(mean: number | null | undefined, std: number | null | undefined, runs = 2, digits = 4): string {
  const m = formatNumber(mean, digits);
  const s = finiteOrNull(std);
  if (m === MISSING || s === null || runs < 2) return m;
  return `${m} ± ${s.toFixed(digits)}`;
}

/** A difference with its sign (`+0.0019`, `−0.0008`, a true minus), or {@link MISSING}. */
export function formatSigned(value: number | null | undefined, digits = 4): string {
  const v = finiteOrNull(value);
  if (v === null) return MISSING;
  const text = Math.abs(v).toFixed(digits);
  return v < 0 && Number(text) !== 0 ? `−${text}` : `+${text}`;
}

/** Milliseconds with a unit (`152 ms`, `0.84 ms`), or {@link MISSING}. */
export function formatMs(value: number | null | undefined): string {
  const v = finiteOrNull(value);
  if (v === null) return MISSING;
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ms`;
}

/** Percentage of a fraction in [0, 1] (`42%`), or {@link MISSING}. */
export function formatPercent(fraction: number | null | undefined): string {
  const v = finiteOrNull(fraction);
  return v === null ? MISSING : `${Math.round(v * 100)}%`;
}

/** An ISO timestamp as local `YYYY-MM-DD HH:MM:SS`, or {@link MISSING} when absent or unparsable. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return MISSING;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return MISSING;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Elapsed time between two ISO timestamps (`3m 12s`); `to` defaults to `now`. */
export function formatElapsed(fromIso: string | null | undefined, toIso: string | null | undefined, now = Date.now()): string {
  if (!fromIso) return MISSING;
  const from = new Date(fromIso).getTime();
  const to = toIso ? new Date(toIso).getTime() : now;
  if (!Number.isFinite(from) || !Number.isFinite(to) || to < from) return MISSING;
  const s = Math.round((to - from) / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** Any value as display text: strings as-is, finite numbers as-is, the rest as {@link MISSING}. */
export function formatText(value: unknown): string {
  if (typeof value === 'string') return value.length > 0 ? value : MISSING;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : MISSING;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return MISSING;
}
