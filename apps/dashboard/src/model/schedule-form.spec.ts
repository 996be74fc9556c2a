import { CreateScheduleBodySchema } from '@agiqa/contracts';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GRID_FORM } from './grid-form.js';
import { describeSpec, scheduleBody, type ScheduleFormValues } from './schedule-form.js';

const values: ScheduleFormValues = {
  name: 'nightly',
  specKind: 'cron',
  cron: '0 3 * * *',
  intervalSeconds: '3600',
  overlap: 'skip',
  paused: false,
  grid: { ...DEFAULT_GRID_FORM, encoders: ['tiny-bert'], fusions: ['concat'], datasets: ['synthetic'] },
};

describe(scheduleBody.name, () => {
  it('sends only the chosen spec kind, in a body the contracts schema accepts', () => {
    const cron = CreateScheduleBodySchema.parse(scheduleBody(values));
    expect(cron.cron).toBe('0 3 * * *');
    expect(cron.intervalSeconds).toBeUndefined();
    const interval = CreateScheduleBodySchema.parse(scheduleBody({ ...values, specKind: 'interval' }));
    expect(interval.intervalSeconds).toBe(3600);
    expect(interval.cron).toBeUndefined();
  });

  it('lets the server name the grid field that is wrong', () => {
    const result = CreateScheduleBodySchema.safeParse(scheduleBody({ ...values, grid: { ...values.grid, fusions: [] } }));
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['grid.fusions']);
  });

  it('leaves an empty cron out, which the server reports on cron', () => {
    const result = CreateScheduleBodySchema.safeParse(scheduleBody({ ...values, cron: ' ' }));
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['cron']);
  });
});

describe(describeSpec.name, () => {
  it('describes cron and interval specs', () => {
    expect(describeSpec('0 3 * * 1', null)).toBe('cron 0 3 * * 1 (UTC)');
    expect(describeSpec(null, 90_000)).toBe('every 1d 1h');
    expect(describeSpec(null, 60)).toBe('every 1m');
    expect(describeSpec(null, null)).toBe('—');
  });
});
