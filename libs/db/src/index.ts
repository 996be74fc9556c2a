// Public API of @agiqa/db. Apps import the Prisma client, model and enum types from here, never
// from src/generated.
export { Prisma, PrismaClient, $Enums } from './generated/prisma/client.js';
export type {
  ApiToken,
  Dataset,
  DatasetItem,
  EpochMetric,
  FeatureSet,
  Prediction,
  Run,
  RunAttempt,
  Schedule,
  SplitManifest,
  Sweep,
  TimingMeasurement,
} from './generated/prisma/client.js';
export { fromDbMethod, fromDbReportRule, toDbMethod, toDbReportRule } from './enums.js';
export { jsonFloat, jsonTimestamp, queryJsonRows, timestampSql } from './json-rows.js';

export { createDb, type CreateDbOptions, type Db } from './connection/create-db.js';
export { parseDatabaseUrl, redactUrl, type DatabaseLocation } from './connection/database-url.js';
export { lockDataDir, type DataDirHolder, type DataDirLock } from './connection/data-dir-lock.js';

export {
  applyMigrations,
  NO_TRANSACTION_MARKER,
  type ApplyMigrationsOptions,
  type MigrationReport,
} from './migrations/apply-migrations.js';
export { defaultMigrationsDir, readMigrations, type MigrationFile } from './migrations/migration-files.js';
export type { MigrationTarget } from './migrations/sql-session.js';

export { createSweep, insertSweep, registerDataset, resolveGridDatasets, runConfig, saveSplitManifest, type ClipIqaRunConfig, type FusionHeadRunConfig, type RunConfig } from './repositories/index.js';
export {
  getTable1,
  getTable2,
  getTable3,
  getTimingTable,
  listSettings,
  matchedReplicates,
  MEASURED_METHODS,
  type ComparedSide,
  type MatchedCell,
  type MatchedReplicates,
  type MeasuredMethod,
  TablesCache,
  tablesVersion,
} from './tables/index.js';
export { startGateway, type GatewayOptions, type PgliteGateway } from './gateway/gateway.js';
