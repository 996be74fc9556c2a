import { checkSweepSize, conflict, notFound, type GridSpec, type ScheduleDetail, type ScheduleRow } from '@agiqa/contracts';
import { resolveGridDatasets } from '@agiqa/db';
import {
  createSweepSchedule,
  deleteSchedule,
  describeSchedule,
  pauseSchedule,
  temporalScheduleId,
  triggerSchedule,
  unpauseSchedule,
  type ScheduleState,
} from '@agiqa/orchestration';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { API_ENV, type AgiqaEnv } from '../config.js';
import { randomUUID } from 'node:crypto';
import { DatabaseService } from '../database/database.service.js';
import { toAgiqaError } from '../errors/error-mapping.js';
import { TemporalService } from '../temporal/temporal.service.js';
import type { CreateScheduleDto } from './schedules.dto.js';

interface ScheduleRecord {
  id: string;
  name: string;
  grid: unknown;
  cron: string | null;
  intervalSeconds: number | null;
  overlap: ScheduleRow['overlap'];
  paused: boolean;
  temporalScheduleId: string;
  createdAt: Date;
}

/**
 * Retraining schedules: a `Schedule` row (it holds the grid each firing turns into a sweep) kept
 * consistent with a Temporal Schedule. Creation writes the row first, because a firing reads it,
 * then creates the Temporal schedule, and deletes the row again if that fails. Pause and resume act
 * on Temporal first and record the state after; deletion removes the Temporal schedule, then the
 * row (sweeps it created stay, unlinked).
 */
@Injectable()
export class SchedulesService {
  private readonly logger = new Logger('schedules');

  constructor(
    private readonly database: DatabaseService,
    private readonly temporal: TemporalService,
    @Inject(API_ENV) private readonly env: AgiqaEnv,
  ) {}

  async create(body: CreateScheduleDto): Promise<ScheduleDetail> {
    const prisma = this.database.prisma;
    // Every firing creates a sweep of this grid: refuse one no firing could create.
    checkSweepSize(body.grid, this.env.AGIQA_MAX_SWEEP_CELLS, 'grid.');
    // Fail before writing anything when Temporal is down.
    await this.temporal.client();
    if (await prisma.schedule.findUnique({ where: { name: body.name } })) {
      throw conflict(`a schedule named "${body.name}" already exists`);
    }
    await resolveGridDatasets(prisma, body.grid, 'grid.');
    const id = randomUUID();
    await prisma.schedule.create({
      data: {
        id,
        name: body.name,
        grid: body.grid,
        cron: body.cron ?? null,
        intervalSeconds: body.intervalSeconds ?? null,
        overlap: body.overlap,
        paused: body.paused,
        temporalScheduleId: temporalScheduleId(id),
      },
    });
    try {
      await this.temporal.call(`creating schedule ${body.name}`, (client) =>
        createSweepSchedule(client, {
          scheduleId: id,
          cron: body.cron,
          intervalSeconds: body.intervalSeconds,
          overlap: body.overlap,
          paused: body.paused,
          note: `agiqa schedule ${body.name}`,
        }),
      );
    } catch (error) {
      await prisma.schedule.delete({ where: { id } }).catch((cleanup: unknown) => {
        this.logger.error(`schedule ${id}: Temporal refused it and the row could not be removed: ${String(cleanup)}`);
      });
      throw error;
    }
    return this.get(id);
  }

  /** All schedules, with their next firing where Temporal answers. */
  async list(): Promise<ScheduleRow[]> {
    const records = await this.database.prisma.schedule.findMany({ orderBy: { createdAt: 'asc' } });
    return Promise.all(
      records.map(async (record) => {
        const state = await this.state(record.id).catch(() => null);
        return this.toRow(record, state);
      }),
    );
  }

  /** The row, plus Temporal's view (upcoming and recent firings); Temporal being down is reported, not thrown. */
  async get(id: string): Promise<ScheduleDetail> {
    const record = await this.find(id);
    try {
      const state = await this.state(id);
      return {
        ...(await this.toRow(record, state)),
        temporal: {
          ok: true,
          paused: state.paused,
          nextActionTimes: state.nextActionTimes,
          recentActions: state.recentActions.map((a) => ({ scheduledAt: a.scheduledAt, takenAt: a.takenAt, workflowId: a.workflowId })),
          error: null,
        },
      };
    } catch (error) {
      const message = toAgiqaError(error)?.message ?? (error instanceof Error ? error.message : String(error));
      return { ...(await this.toRow(record, null)), temporal: { ok: false, paused: null, nextActionTimes: [], recentActions: [], error: message } };
    }
  }

  async pause(id: string): Promise<ScheduleDetail> {
    await this.find(id);
    await this.temporal.call(`pausing schedule ${id}`, (client) => pauseSchedule(client, id));
    await this.database.prisma.schedule.update({ where: { id }, data: { paused: true } });
    return this.get(id);
  }

  async resume(id: string): Promise<ScheduleDetail> {
    await this.find(id);
    await this.temporal.call(`resuming schedule ${id}`, (client) => unpauseSchedule(client, id));
    await this.database.prisma.schedule.update({ where: { id }, data: { paused: false } });
    return this.get(id);
  }

  /** Fires now (also while paused); the firing creates a sweep linked to the schedule. */
  async trigger(id: string): Promise<ScheduleDetail> {
    await this.find(id);
    await this.temporal.call(`triggering schedule ${id}`, (client) => triggerSchedule(client, id));
    return this.get(id);
  }

  async remove(id: string): Promise<ScheduleRow> {
    const record = await this.find(id);
    const row = await this.toRow(record, null);
    try {
      await this.temporal.call(`deleting schedule ${id}`, (client) => deleteSchedule(client, id));
    } catch (error) {
      // Already gone from Temporal (deleted there by hand): removing the row finishes the job.
      if (toAgiqaError(error)?.code !== 'not_found') throw error;
    }
    await this.database.prisma.schedule.delete({ where: { id } });
    return row;
  }

  private state(id: string): Promise<ScheduleState> {
    return this.temporal.call(`describing schedule ${id}`, (client) => describeSchedule(client, id));
  }

  private async find(id: string): Promise<ScheduleRecord> {
    const record = await this.database.prisma.schedule.findUnique({ where: { id } });
    if (!record) throw notFound(`no schedule with id ${id}`);
    return record;
  }

  /** A schedule whose grid names an unknown dataset would fail at every firing: refuse it now. */
  private async toRow(record: ScheduleRecord, state: ScheduleState | null): Promise<ScheduleRow> {
    const prisma = this.database.prisma;
    const [sweepCount, last] = await Promise.all([
      prisma.sweep.count({ where: { scheduleId: record.id } }),
      prisma.sweep.findFirst({ where: { scheduleId: record.id }, orderBy: { createdAt: 'desc' }, select: { id: true } }),
    ]);
    return {
      id: record.id,
      name: record.name,
      grid: record.grid as GridSpec,
      cron: record.cron,
      intervalSeconds: record.intervalSeconds,
      overlap: record.overlap,
      paused: record.paused,
      temporalScheduleId: record.temporalScheduleId,
      createdAt: record.createdAt.toISOString(),
      sweepCount,
      lastSweepId: last?.id ?? null,
      nextRunAt: state && !state.paused ? (state.nextActionTimes[0] ?? null) : null,
    };
  }
}
