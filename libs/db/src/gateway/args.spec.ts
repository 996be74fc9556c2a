import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGatewayArgs } from './args.js';

describe(parseGatewayArgs.name, () => {
  it('defaults to a free port on localhost over $AGIQA_HOME/pglite, migrating', () => {
    expect(parseGatewayArgs([], { AGIQA_HOME: '/srv/agiqa' })).toEqual({
      dataDir: '/srv/agiqa/pglite',
      host: '127.0.0.1',
      port: 0,
      migrate: true,
      idleInTransactionTimeoutMs: 60_000,
      autovacuumIntervalMs: 15_000,
    });
  });

  it('reads every flag', () => {
    expect(
      parseGatewayArgs(['--data-dir', 'db', '--host', '0.0.0.0', '--port', '5433', '--no-migrate', '--migrations-dir', 'm', '--idle-in-transaction-timeout', '0', '--autovacuum-interval', '0'], {}),
    ).toEqual({ dataDir: path.resolve('db'), host: '0.0.0.0', port: 5433, migrate: false, migrationsDir: path.resolve('m'), idleInTransactionTimeoutMs: 0, autovacuumIntervalMs: 0 });
  });

  it('rejects a bad port naming the flag', () => {
    expect(() => parseGatewayArgs(['--port', '70000'], {})).toThrow(/--port must be an integer from 0 to 65535, got "70000"/);
  });

  it('rejects an unknown flag with the usage', () => {
    expect(() => parseGatewayArgs(['--prot', '1'], {})).toThrow(/Unknown option '--prot'[\s\S]*usage:/);
  });
});
