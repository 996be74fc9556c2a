// `@agiqa/db/testing`: real databases for tests (never mocks).
export { createMigratedPglite, createTestDb } from './test-db.js';
// The gateway itself, so a test can take the database away from a client and bring it back.
export { startGateway, type PgliteGateway } from '../gateway/gateway.js';
export { startGatewayProcess, type GatewayProcess } from './gateway-process.js';
export {
  postgresAvailable,
  privatePostgresAvailable,
  startPrivatePostgres,
  startTestPostgres,
  type PostgresAvailability,
  type PrivatePostgres,
  type TestPostgres,
} from './test-postgres.js';
export { seedRuns, type SeedRunsOptions } from './seed-runs.js';
export { dbTargets, type DbTarget } from './db-targets.js';
export { sweepWithResults, type RunResult } from './table-runs.js';
