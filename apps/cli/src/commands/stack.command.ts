import { existsSync, readFileSync } from 'node:fs';
import { invalidInput } from '@agiqa/contracts';
import type { Command } from 'commander';
import { ApiClient } from '../api-client.js';
import { parse } from '../cli-error.js';
import { stackPaths } from '../stack/paths.js';
import { COMPONENTS, componentStatus, down, readStackState, up } from '../stack/stack.js';
import { logFile, tail } from '../stack/supervisor.js';

export function registerStackCommands(program: Command): void {
  program
    .command('up')
    .description('start the embedded stack: Temporal dev server, PGlite gateway, worker, API + dashboard')
    .option('--temporal <address>', 'use this Temporal frontend instead of a dev server (or TEMPORAL_ADDRESS)')
    .option('--database <url>', 'use this PostgreSQL server instead of PGlite (or DATABASE_URL)')
    .option('--port <port>', 'API port (default 8750, or a free one)', parse.int('--port', 0))
    .option('--ephemeral-ports', 'use free ports instead of the well-known ones (tests, several stacks on one machine)')
    .option('--json', 'print the stack state as JSON')
    .action(async (options: { temporal?: string; database?: string; port?: number; ephemeralPorts?: boolean; json?: boolean }) => {
      const state = await up({
        temporalAddress: options.temporal ?? process.env.TEMPORAL_ADDRESS,
        databaseUrl: options.database ?? process.env.DATABASE_URL,
        apiPort: options.port,
        ephemeralPorts: options.ephemeralPorts,
        log: options.json ? undefined : (line) => console.log(`· ${line}`),
      });
      if (options.json) {
        console.log(JSON.stringify(state, null, 2));
        return;
      }
      console.log(`agiqa is up.
  dashboard   ${state.dashboardUrl}
  api         ${state.apiUrl}/api
  temporal    ${state.temporal.address}${state.temporal.uiUrl ? `  (UI ${state.temporal.uiUrl})` : ''}
  database    ${state.database.kind === 'external' ? state.database.url : `PGlite gateway ${state.database.url}`}
  logs        ${stackPaths().logDir}
Stop it with: npx agiqa down`);
    });

  program
    .command('down')
    .description('stop the embedded stack (data under AGIQA_HOME is kept)')
    .option('--json', 'print the stopped processes as JSON')
    .action(async (options: { json?: boolean }) => {
      const stopped = await down();
      if (options.json) console.log(JSON.stringify({ stopped }, null, 2));
      else console.log(stopped.length > 0 ? `stopped: ${stopped.join(', ')}` : 'nothing was running');
    });

  program
    .command('status')
    .description('show which stack processes run and what the API reports about its dependencies')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const processes = componentStatus();
      const state = readStackState();
      let health: unknown = null;
      if (state && processes.api) {
        health = await new ApiClient(state.apiUrl).get('/api/health').catch((error: Error) => ({ error: error.message }));
      }
      if (options.json) {
        console.log(JSON.stringify({ processes, state, health }, null, 2));
        return;
      }
      for (const [name, pid] of Object.entries(processes)) console.log(`${name.padEnd(9)} ${pid ? `running (pid ${pid})` : 'stopped'}`);
      if (state) console.log(`dashboard ${state.dashboardUrl}`);
      if (health) console.log(`health    ${JSON.stringify(health)}`);
    });

  program
    .command('logs')
    .description('print the last lines of a stack process log')
    .argument('<component>', 'temporal | db | worker | api')
    .option('-n, --lines <n>', 'number of lines', parse.int('--lines', 1), 50)
    .option('--json', 'print { component, file, lines } as JSON')
    .action((component: string, options: { lines: number; json?: boolean }) => {
      if (!(COMPONENTS as readonly string[]).includes(component)) {
        throw invalidInput(`unknown component "${component}"; valid: ${COMPONENTS.join(', ')}`);
      }
      const paths = stackPaths();
      const file = logFile({ runDir: paths.runDir, logDir: paths.logDir }, component);
      if (!existsSync(file)) throw new Error(`no log yet at ${file}`);
      const text = tail(readFileSync(file, 'utf8'), options.lines);
      console.log(options.json ? JSON.stringify({ component, file, lines: text === '' ? [] : text.split('\n') }, null, 2) : text);
    });
}
