import 'reflect-metadata';
import { AgiqaError, EnvSchema, parseOrThrow } from '@agiqa/contracts';
import { createDb } from '@agiqa/db';
import { connectTemporal } from '@agiqa/orchestration';
import { Logger } from '@nestjs/common';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createApiApp } from './app/bootstrap.js';
import { resolveDashboardDir } from './app/dashboard/dashboard.js';
import { isLoopback } from './app/tokens/auth.guard.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * `node apps/api/dist/main.js`: reads the environment once, connects the database, builds the app,
 * listens on AGIQA_API_HOST:AGIQA_API_PORT (0: a free port) and prints one ready line with the URL.
 * Temporal is connected on first use, so the API also starts while Temporal is still coming up.
 */
async function main(): Promise<void> {
  const env = parseOrThrow(EnvSchema, process.env, 'environment');
  const logger = new Logger('agiqa api');
  // Idempotent and serialised by an advisory lock: the API, the worker and the gateway may all try.
  const db = await createDb({ url: env.DATABASE_URL, home: env.AGIQA_HOME, migrate: true });
  const app = await createApiApp({
    env,
    db,
    info: { version, dashboardDir: resolveDashboardDir() },
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      // Bounded, so that a request (or a health check) while Temporal is down fails in seconds.
      connect: () => connectTemporal(env, { connectTimeoutMs: 3_000 }),
    },
  });
  app.enableShutdownHooks();
  await app.listen(env.AGIQA_API_PORT, env.AGIQA_API_HOST);
  const address = app.getHttpServer().address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (!isLoopback(address.address) && env.AGIQA_API_TOKEN === undefined) {
    logger.warn(`listening on ${address.address} without AGIQA_API_TOKEN: writes from other machines are refused until a token exists`);
  }
  // The CLI's stack supervisor waits for this exact line.
  console.log(`agiqa api listening on http://${host}:${address.port} (database: ${db.kind})`);
}

main().catch((error: unknown) => {
  const message = error instanceof AgiqaError ? `${error.code}: ${error.message}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
  console.error(`agiqa api failed to start: ${message}`);
  process.exit(1);
});
