import { MISSING } from './format.js';
import { GRID_FIELDS, gridBody, numberField, type GridCarry, type GridFormValues } from './grid-form.js';

/** The schedule form as the browser holds it; grid inputs are named under `grid.`. */
export interface ScheduleFormValues {
  name: string;
  specKind: 'cron' | 'interval';
  cron: string;
  intervalSeconds: string;
  overlap: string;
  paused: boolean;
  grid: GridFormValues;
}

/** Body paths of the schedule form's inputs (server problems land on these). */
export const SCHEDULE_FIELDS = ['name', 'cron', 'intervalSeconds', 'overlap', 'paused', ...GRID_FIELDS.map((f) => `grid.${f}`)];

/**
 * The `POST /api/schedules` body. Only the chosen spec kind is sent, so the server's "exactly one of
 * cron or intervalSeconds" rule holds unless that field is empty (then the server says so).
 */
export function scheduleBody(values: ScheduleFormValues, carry: GridCarry = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: values.name.trim(),
    grid: gridBody(values.grid, carry),
    overlap: values.overlap || undefined,
    paused: values.paused,
  };
  if (values.specKind === 'cron') body['cron'] = values.cron.trim() || undefined;
  else body['intervalSeconds'] = numberField(values.intervalSeconds);
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

/** A schedule's spec in words: `cron 0 3 * * 1 (UTC)` or `every 6h`. */
export function describeSpec(cron: string | null, intervalSeconds: number | null): string {
  if (cron) return `cron ${cron} (UTC)`;
  if (intervalSeconds === null || !Number.isFinite(intervalSeconds) || intervalSeconds <= 0) return MISSING;
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  const parts: string[] = [];
  let rest = Math.round(intervalSeconds);
  for (const [size, unit] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return `every ${parts.join(' ')}`;
}
