import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGatewayProcess, type GatewayProcess } from '@agiqa/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireStackBuilt, runCli } from './cli.js';

/**
 * `agiqa up` trusts each component only once it answers its own protocol: a component that exits
 * while starting fails `up` with its reason and its last log lines, and nothing `up` started is
 * left running.
 */
describe('agiqa up readiness', () => {
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    requireStackBuilt();
    home = await mkdtemp(join(tmpdir(), 'agiqa-e2e-up-'));
    env = { AGIQA_HOME: home, AGIQA_API_URL: '', AGIQA_TFJS_BACKEND: 'wasm' };
  });

  afterAll(async () => {
    await runCli(['down'], env).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  });

  describe('when another process holds the database folder', () => {
    let holder: GatewayProcess;

    beforeAll(async () => {
      // Another gateway already serves this AGIQA_HOME's folder: its lock names its own URL, which
      // a readiness check that matched any postgres:// URL in the log took for the new gateway's.
      holder = await startGatewayProcess({ dataDir: join(home, 'pglite') });
    });

    afterAll(async () => {
      await holder?.stop();
    });

    it('fails, naming the holder, and leaves nothing running', async () => {
      const result = await runCli(['up', '--ephemeral-ports'], env, 300_000);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/db exited during start-up: .*data folder .* is in use by process \d+ \(gateway\)/);
      const status = JSON.parse((await runCli(['status', '--json'], env)).stdout) as { processes: Record<string, number | null> };
      expect(Object.values(status.processes).every((pid) => pid === null)).toBe(true);
      expect(holder.child().exitCode).toBeNull();
    });
  });

  it('fails with the last log lines of a component that exits during start-up', async () => {
    const result = await runCli(['up', '--ephemeral-ports'], { ...env, AGIQA_HEARTBEAT_TIMEOUT_S: 'soon' }, 300_000);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/worker exited during start-up/);
    expect(result.stderr).toContain('AGIQA_HEARTBEAT_TIMEOUT_S');
  });
});
