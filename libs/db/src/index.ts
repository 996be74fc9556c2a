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
export { fromDbReportRule, toDbReportRule } from './enums.js';

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

export { createSweep, getTable1, registerDataset, resolveGridDatasets, runConfig, saveSplitManifest, type RunConfig } from './repositories/index.js';
