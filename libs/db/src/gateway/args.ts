import path from 'node:path';
import { parseArgs } from 'node:util';
import { AgiqaError } from '@agiqa/contracts';
import { PGLITE_SUBDIR } from '../connection/database-url.js';

export const USAGE = `usage: node libs/db/dist/gateway/main.js [options]
  --data-dir <dir>        PGlite data folder (default: $AGIQA_HOME/pglite, AGIQA_HOME default .agiqa)
  --host <host>           address to listen on (default 127.0.0.1; there is no authentication)
  --port <n>              TCP port (default 0: a free port, printed in the ready line)
  --migrations-dir <dir>  migrations to apply before listening (default: the repository's prisma/migrations)
  --no-migrate            do not apply migrations
  --idle-in-transaction-timeout <ms>
                          disconnect a client idle inside a transaction this long (default 60000; 0: never)
  --autovacuum-interval <ms>
                          how often tables are checked for VACUUM / ANALYZE (default 15000; 0: never)`;

/** The gateway process's settings. */
export interface GatewayArgs {
  dataDir: string;
  host: string;
  port: number;
  migrate: boolean;
  migrationsDir?: string;
  idleInTransactionTimeoutMs: number;
  autovacuumIntervalMs: number;
}

/** Parses the command line; bad values are `invalid_input` naming the flag. */
export function parseGatewayArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): GatewayArgs {
  const { values } = parseOrExplain(() => parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      'migrations-dir': { type: 'string' },
      'no-migrate': { type: 'boolean', default: false },
      'idle-in-transaction-timeout': { type: 'string', default: '60000' },
      'autovacuum-interval': { type: 'string', default: '15000' },
    },
    strict: true,
  }));
  const integer = (flag: string, raw: string, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > max) {
      throw new AgiqaError('invalid_input', `--${flag} must be an integer from 0 to ${max}, got "${raw}"`, [{ path: `--${flag}`, message: 'not an integer in range' }]);
    }
    return n;
  };
  return {
    dataDir: path.resolve(values['data-dir'] ?? path.join(env['AGIQA_HOME'] ?? '.agiqa', PGLITE_SUBDIR)),
    host: values.host,
    port: integer('port', values.port, 65535),
    migrate: !values['no-migrate'],
    ...(values['migrations-dir'] ? { migrationsDir: path.resolve(values['migrations-dir']) } : {}),
    idleInTransactionTimeoutMs: integer('idle-in-transaction-timeout', values['idle-in-transaction-timeout'], 2 ** 31 - 1),
    autovacuumIntervalMs: integer('autovacuum-interval', values['autovacuum-interval'], 2 ** 31 - 1),
  };
}

function parseOrExplain<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new AgiqaError('invalid_input', `${(error as Error).message}\n${USAGE}`, [{ path: 'argv', message: (error as Error).message }]);
  }
}
