/**
 * Autovacuum for the embedded database. PGlite runs PostgreSQL as one backend with no background
 * workers, so the autovacuum launcher never starts (`SHOW autovacuum` says `on` all the same):
 * nothing gathers planner statistics, and nothing removes the dead row versions that each epoch's
 * update of a run leaves behind. Without statistics every table looks empty to the planner: over
 * 10,000 runs the explorer's group-by walks a nested loop with one index probe per run (40 ms)
 * where a hash join takes 20 ms, and a filtered page costs 28 ms instead of 17 ms.
 *
 * This loop does autovacuum's job with autovacuum's rules and the server's own settings
 * (`autovacuum_analyze_threshold` + `autovacuum_analyze_scale_factor` × rows, the same for vacuum
 * with dead rows, `autovacuum_freeze_max_age` for transaction-id age), reading the counters of
 * `pg_stat_user_tables`. Two things differ, both because every statement here stops every other
 * client of the one backend while it runs:
 * - statistics are gathered at `default_statistics_target` 10 (PostgreSQL's default is 100), which
 *   halves the stall of analysing 1,000,000 epoch rows (231 → 113 ms) and still keeps the ten
 *   most common values of the few-valued columns the queries filter and group on;
 * - tables are not vacuumed for inserts alone (`autovacuum_vacuum_insert_threshold`): that pass
 *   only marks pages all-visible for index-only scans, and costs ~0.7 s over 1,000,000 epoch rows.
 * PGlite keeps no counters across a restart, so the first pass analyses every table that has
 * rows: what changed before the restart is otherwise invisible.
 *
 * It is an ordinary client of the gateway, one statement per table, so it never runs inside
 * another client's transaction and other clients' statements go between its tables.
 */
import pg from 'pg';

/** How often the counters are read (PostgreSQL's `autovacuum_naptime` is 60 s; a bulk import wants sooner). */
const DEFAULT_INTERVAL_MS = 15_000;
/** See the file comment. */
const STATISTICS_TARGET = 10;

/** PostgreSQL's autovacuum settings as the server reports them. */
export interface AutovacuumSettings {
  vacuumThreshold: number;
  vacuumScaleFactor: number;
  analyzeThreshold: number;
  analyzeScaleFactor: number;
  freezeMaxAge: number;
}

/** One table's size and counters (`pg_class` and `pg_stat_user_tables`). */
export interface TableCounters {
  schema: string;
  table: string;
  /** Rows as of the last VACUUM or ANALYZE; -1 when neither ever ran. */
  reltuples: number;
  /** Size on disk (`pg_relation_size`): 0 for a table that never held a row. */
  bytes: number;
  deadRows: number;
  modifiedSinceAnalyze: number;
  /** Age of the table's oldest unfrozen transaction id. */
  xidAge: number;
}

/** What one table needs, and why (for the log). */
export interface MaintenanceAction {
  schema: string;
  table: string;
  vacuum: boolean;
  analyze: boolean;
  reason: string;
}

/**
 * The tables due for VACUUM and/or ANALYZE by autovacuum's thresholds. `firstPass`: counters
 * were just reset (a restart), so every table with rows is analysed once.
 */
export function tablesDue(tables: readonly TableCounters[], settings: AutovacuumSettings, firstPass: boolean): MaintenanceAction[] {
  return tables.flatMap((t) => {
    const rows = Math.max(t.reltuples, 0);
    const vacuumLimit = settings.vacuumThreshold + settings.vacuumScaleFactor * rows;
    const analyzeLimit = settings.analyzeThreshold + settings.analyzeScaleFactor * rows;
    const reasons: string[] = [];
    const tooOld = t.xidAge > settings.freezeMaxAge;
    const tooDead = t.deadRows > vacuumLimit;
    if (tooOld) reasons.push(`transaction-id age ${t.xidAge} over ${settings.freezeMaxAge}`);
    if (tooDead) reasons.push(`${t.deadRows} dead rows over ${Math.round(vacuumLimit)}`);
    const stale = t.modifiedSinceAnalyze > analyzeLimit;
    const unknown = t.bytes > 0 && (firstPass || t.reltuples < 0);
    if (stale) reasons.push(`${t.modifiedSinceAnalyze} rows changed since the last analysis, over ${Math.round(analyzeLimit)}`);
    else if (unknown) reasons.push(firstPass ? 'first pass since the database opened' : 'never analysed');
    const vacuum = tooOld || tooDead;
    const analyze = stale || unknown;
    return vacuum || analyze ? [{ schema: t.schema, table: t.table, vacuum, analyze, reason: reasons.join('; ') }] : [];
  });
}

const SETTINGS_SQL = `SELECT name, setting FROM pg_settings WHERE name IN
  ('autovacuum_vacuum_threshold', 'autovacuum_vacuum_scale_factor', 'autovacuum_analyze_threshold', 'autovacuum_analyze_scale_factor', 'autovacuum_freeze_max_age')`;

const COUNTERS_SQL = `SELECT s.schemaname AS "schema", s.relname AS "table", c.reltuples::float8 AS reltuples, pg_relation_size(c.oid)::float8 AS bytes,
  s.n_dead_tup::float8 AS "deadRows", s.n_mod_since_analyze::float8 AS "modifiedSinceAnalyze", age(c.relfrozenxid)::float8 AS "xidAge"
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid ORDER BY s.schemaname, s.relname`;

async function readSettings(client: pg.Client): Promise<AutovacuumSettings> {
  const { rows } = await client.query<{ name: string; setting: string }>(SETTINGS_SQL);
  const value = (name: string) => {
    const row = rows.find((r) => r.name === name);
    if (!row) throw new Error(`pg_settings has no ${name}`);
    return Number(row.setting);
  };
  return {
    vacuumThreshold: value('autovacuum_vacuum_threshold'),
    vacuumScaleFactor: value('autovacuum_vacuum_scale_factor'),
    analyzeThreshold: value('autovacuum_analyze_threshold'),
    analyzeScaleFactor: value('autovacuum_analyze_scale_factor'),
    freezeMaxAge: value('autovacuum_freeze_max_age'),
  };
}

/** `"schema"."Name"` for SQL: the names come from the catalogue, quoted as identifiers. */
const qualified = (action: Pick<MaintenanceAction, 'schema' | 'table'>) => [action.schema, action.table].map((name) => `"${name.replace(/"/g, '""')}"`).join('.');

/** Runs one action: VACUUM outside any transaction; ANALYZE with the lower statistics target, set for its own transaction only. */
async function maintain(client: pg.Client, action: MaintenanceAction): Promise<void> {
  if (action.vacuum) await client.query(`VACUUM ${qualified(action)}`);
  if (!action.analyze) return;
  // SET LOCAL: the gateway shares one session among its clients; a plain SET would change theirs.
  // A failed transaction is rolled back at once: until it ends, it holds the one backend.
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL default_statistics_target = ${STATISTICS_TARGET}`);
    await client.query(`ANALYZE ${qualified(action)}`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export interface AutovacuumOptions {
  /** The gateway's URL. */
  url: string;
  /** Default 15 s; 0 turns the loop off (`pass()` still works). */
  intervalMs?: number;
  log?: (line: string) => void;
}

export interface Autovacuum {
  /** One pass now: reads the counters and maintains the tables due; returns what it did. */
  pass(): Promise<MaintenanceAction[]>;
  stop(): Promise<void>;
}

/** Starts the loop (see the file comment); a failed pass is logged and retried at the next interval. */
export async function startAutovacuum(options: AutovacuumOptions): Promise<Autovacuum> {
  const log = options.log ?? (() => undefined);
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const client = new pg.Client({ connectionString: options.url });
  // The gateway closing under an idle client is not an error worth a crash.
  client.on('error', () => undefined);
  await client.connect();
  const settings = await readSettings(client);
  let firstPass = true;
  let running: Promise<MaintenanceAction[]> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const pass = (): Promise<MaintenanceAction[]> => {
    running ??= (async () => {
      const { rows } = await client.query<TableCounters>(COUNTERS_SQL);
      const due = tablesDue(rows, settings, firstPass);
      const done: MaintenanceAction[] = [];
      for (const action of due) {
        if (stopped) return done;
        const what = `${[action.vacuum && 'vacuum', action.analyze && 'analyze'].filter(Boolean).join(' + ')} ${qualified(action)}`;
        const start = performance.now();
        try {
          await maintain(client, action);
          done.push(action);
          log(`autovacuum: ${what} (${action.reason}) in ${(performance.now() - start).toFixed(0)} ms`);
        } catch (error) {
          // One table failing (dropped meanwhile, locked) does not keep the others from their turn.
          log(`autovacuum: ${what} failed: ${(error as Error).message}`);
        }
      }
      // Only a pass that went through every table ends the first pass (see the file comment).
      firstPass = false;
      return done;
    })().finally(() => (running = null));
    return running;
  };

  const loop = async () => {
    try {
      await pass();
    } catch (error) {
      if (!stopped) log(`autovacuum: ${(error as Error).message}; next try in ${intervalMs} ms`);
    }
    if (!stopped) timer = setTimeout(() => void loop(), intervalMs).unref();
  };
  if (intervalMs > 0) timer = setTimeout(() => void loop(), 0).unref();

  return {
    pass,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
