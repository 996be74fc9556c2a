import { notFound, type EpochMetricRow, type GridSpec, type RunSummary } from '@agiqa/contracts';
import { Inject, Injectable, Logger, type MessageEvent, type OnApplicationShutdown } from '@nestjs/common';
import { Observable, type Subscriber } from 'rxjs';
import { DatabaseService } from '../database/database.service.js';
import { toEpochRow } from '../runs/epoch-row.js';
import { readRunRecords } from '../runs/run-records.js';
import { toRunSummary } from '../runs/run-summary.js';
import { SweepsService } from '../sweeps/sweeps.service.js';
import { SweepState } from './sweep-watcher.js';

/** How often a watched sweep or run is read from the database (ms); tests shorten it. */
export const LIVE_INTERVAL_MS = Symbol('LIVE_INTERVAL_MS');

/**
 * A worker's clock may lag the API's (`updatedAt` is written by the writer): changes are looked
 * for this far back, and the ones already sent are recognised and dropped.
 */
const CLOCK_SLACK_MS = 60_000;
/** A comment-like event now and then keeps idle proxies from closing the stream. */
const PING_EVERY_TICKS = 15;
/**
 * A watcher outlives its last subscriber by this many ticks (30 s at the default interval): a
 * page reloaded or navigated back to gets its snapshot from memory instead of reading the whole
 * sweep again (a 1,002-run sweep: 50–75 ms on the embedded database; from memory ~10 ms).
 */
const LINGER_TICKS = 30;

interface Watcher {
  subscribers: Set<Subscriber<MessageEvent>>;
  /** Stopped (lingered out, finished or shut down): it sends nothing more. */
  stopped(): boolean;
  /** A subscriber arrived: the watcher stays. */
  retain(): void;
  /** The last subscriber left: the watcher stops after LINGER_TICKS unless another arrives. */
  release(): void;
  stop(): void;
}

/**
 * Live updates, pushed. The gateway (PGlite) has no LISTEN/NOTIFY and PostgreSQL's would tie the
 * API to one database connection per stream, so each API process reads what changed on a timer:
 * one watcher per watched sweep (or run) per process, whatever the number of subscribers, with
 * one indexed query per tick (`Run(sweepId, updatedAt)`, `EpochMetric(runId, epoch)`). Every
 * subscriber gets a snapshot from the watcher's memory, then only the changes. Several API
 * processes each run their own watchers over the same database, so it works unchanged behind a
 * load balancer; the cost is O(watched sweeps × API processes) small queries per second.
 */
@Injectable()
export class LiveService implements OnApplicationShutdown {
  private readonly logger = new Logger('live');
  private readonly sweepWatchers = new Map<string, Watcher & { state: SweepState }>();
  private readonly runWatchers = new Map<string, Watcher & { snapshot: () => MessageEvent[] }>();
  /** Watchers being created, so that two first subscribers of one id share one. */
  private readonly creating = new Map<string, Promise<Watcher>>();

  constructor(
    private readonly database: DatabaseService,
    private readonly sweeps: SweepsService,
    @Inject(LIVE_INTERVAL_MS) private readonly intervalMs: number,
  ) {}

  /** `snapshot`, then `runs` / `sweep` as they change, then `end`. 404 before the stream starts. */
  async sweepEvents(id: string): Promise<Observable<MessageEvent>> {
    const watcher = this.sweepWatchers.get(id) ?? (await this.once(`sweep ${id}`, () => this.watchSweep(id)));
    return this.stream(watcher, () => [{ type: 'snapshot', data: watcher.state.snapshot() }], watcher.state.isFinal());
  }

  /** `snapshot` (the run and its epochs so far), then `run` / `epochs` as they change, then `end`. */
  async runEvents(id: string): Promise<Observable<MessageEvent>> {
    const watcher = this.runWatchers.get(id) ?? (await this.once(`run ${id}`, () => this.watchRun(id)));
    return this.stream(watcher, watcher.snapshot, false);
  }

  /** Sweeps watched now and their subscribers (none while a watcher lingers). */
  watchedSweeps(): { id: string; subscribers: number }[] {
    return [...this.sweepWatchers].map(([id, w]) => ({ id, subscribers: w.subscribers.size }));
  }

  onApplicationShutdown(): void {
    for (const watcher of [...this.sweepWatchers.values(), ...this.runWatchers.values()]) {
      for (const subscriber of watcher.subscribers) subscriber.complete();
      watcher.stop();
    }
  }

  /** `create()`'s watcher for `key`, shared by the calls that arrive while it is being created. */
  private async once<W extends Watcher>(key: string, create: () => Promise<W>): Promise<W> {
    const pending = this.creating.get(key) ?? create().finally(() => this.creating.delete(key));
    this.creating.set(key, pending);
    return (await pending) as W;
  }

  /**
   * Subscribes to a watcher: its first events now, later ones as they come; when the last
   * subscriber leaves, the watcher lingers (see LINGER_TICKS). A watcher that stopped between
   * the lookup and this subscription ends the stream at once: the client reconnects to a new one.
   */
  private stream(watcher: Watcher, first: () => MessageEvent[], finished: boolean): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      if (watcher.stopped() && !finished) {
        subscriber.complete();
        return;
      }
      for (const event of first()) subscriber.next(event);
      if (finished) {
        subscriber.next({ type: 'end', data: {} });
        subscriber.complete();
        if (watcher.subscribers.size === 0) watcher.stop();
        return;
      }
      watcher.subscribers.add(subscriber);
      watcher.retain();
      return () => {
        watcher.subscribers.delete(subscriber);
        if (watcher.subscribers.size === 0) watcher.release();
      };
    });
  }

  private async watchSweep(id: string): Promise<Watcher & { state: SweepState }> {
    const detail = await this.sweeps.get(id);
    const epochs = detail.grid.epochs;
    const rows = await readRunRecords(this.database.prisma, 'r."sweepId" = $1', [id]);
    const state = new SweepState(detail, rows.map((run) => toRunSummary(run, run.dataset, epochs)));
    let since = new Date(Date.now() - CLOCK_SLACK_MS);
    const watcher = this.watcher(this.sweepWatchers, id, async (send) => {
      const readAt = new Date();
      const [sweep, rows] = await Promise.all([
        this.database.prisma.sweep.findUnique({ where: { id }, select: { status: true, finishedAt: true } }),
        // Timestamps are stored as UTC without a zone: the zone of the ISO text is dropped by the cast.
        readRunRecords(this.database.prisma, 'r."sweepId" = $1 AND r."updatedAt" >= $2::timestamp', [id, since.toISOString()]),
      ]);
      since = new Date(readAt.getTime() - CLOCK_SLACK_MS);
      if (!sweep) return send([{ type: 'end', data: { reason: 'deleted' } }], true);
      const changes = state.apply(
        rows.map((run) => toRunSummary(run, run.dataset, epochs)),
        { status: sweep.status, finishedAt: sweep.finishedAt?.toISOString() ?? null },
      );
      const events: MessageEvent[] = [];
      if (changes.runs.length > 0) events.push({ type: 'runs', data: { runs: changes.runs } });
      if (changes.sweep) events.push({ type: 'sweep', data: changes.sweep });
      const final = state.isFinal();
      if (final) events.push({ type: 'end', data: {} });
      send(events, final);
    });
    return Object.assign(watcher, { state });
  }

  private async watchRun(id: string): Promise<Watcher & { snapshot: () => MessageEvent[] }> {
    const prisma = this.database.prisma;
    const load = async (): Promise<RunSummary | null> => {
      const run = await prisma.run.findUnique({ where: { id }, include: { dataset: { select: { name: true } }, sweep: { select: { grid: true } } } });
      return run ? toRunSummary(run, run.dataset.name, (run.sweep.grid as GridSpec).epochs) : null;
    };
    let run = await load();
    if (!run) throw notFound(`no run with id ${id}`);
    let epochs: EpochMetricRow[] = (await prisma.epochMetric.findMany({ where: { runId: id }, orderBy: { epoch: 'asc' } })).map(toEpochRow);
    const watcher = this.watcher(this.runWatchers, id, async (send) => {
      const last = epochs.at(-1)?.epoch ?? 0;
      const [current, fresh] = await Promise.all([load(), prisma.epochMetric.findMany({ where: { runId: id, epoch: { gt: last } }, orderBy: { epoch: 'asc' } })]);
      if (!current) return send([{ type: 'end', data: { reason: 'deleted' } }], true);
      const events: MessageEvent[] = [];
      if (fresh.length > 0) {
        const rows = fresh.map(toEpochRow);
        epochs = [...epochs, ...rows];
        events.push({ type: 'epochs', data: { runId: id, epochs: rows } });
      }
      if (JSON.stringify(current) !== JSON.stringify(run)) events.push({ type: 'run', data: current });
      run = current;
      const final = ['completed', 'failed', 'cancelled'].includes(current.status);
      if (final) events.push({ type: 'end', data: {} });
      send(events, final);
    });
    return Object.assign(watcher, { snapshot: () => [{ type: 'snapshot', data: { run, epochs } }] });
  }

  /**
   * A timer that runs `tick` every interval (never two at once) and sends its events to every
   * subscriber; `final` completes them and removes the watcher.
   */
  private watcher<W extends Watcher>(registry: Map<string, W>, id: string, tick: (send: (events: MessageEvent[], final: boolean) => void) => Promise<void>): Watcher {
    const subscribers = new Set<Subscriber<MessageEvent>>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let linger: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let ticks = 0;
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(linger);
      if (registry.get(id) === watcher) registry.delete(id);
    };
    const retain = () => clearTimeout(linger);
    const release = () => {
      clearTimeout(linger);
      linger = setTimeout(stop, LINGER_TICKS * this.intervalMs);
    };
    const send = (events: MessageEvent[], final: boolean) => {
      if (++ticks % PING_EVERY_TICKS === 0 && events.length === 0) events = [{ type: 'ping', data: {} }];
      for (const subscriber of subscribers) for (const event of events) subscriber.next(event);
      if (final) {
        for (const subscriber of subscribers) subscriber.complete();
        stop();
      }
    };
    const loop = async () => {
      if (stopped) return;
      try {
        await tick(send);
      } catch (error) {
        // A failed read (database restarting) is retried next tick; the stream stays open.
        this.logger.warn(`live ${id}: ${(error as Error).message}`);
      }
      if (!stopped) timer = setTimeout(() => void loop(), this.intervalMs);
    };
    const watcher = { subscribers, stopped: () => stopped, retain, release, stop } as Watcher;
    registry.set(id, watcher as W);
    // Until its first subscriber arrives, it lingers like one whose subscribers left.
    release();
    timer = setTimeout(() => void loop(), this.intervalMs);
    return watcher;
  }
}
