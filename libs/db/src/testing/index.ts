// `@agiqa/db/testing`: real databases for tests (never mocks).
export { createMigratedPglite, createTestDb } from './test-db.js';
export { postgresAvailable, startTestPostgres, type PostgresAvailability, type TestPostgres } from './test-postgres.js';
