import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite, protocol } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../connection/create-db.js';
import { createMigratedPglite } from '../testing/test-db.js';
import { startGateway, type PgliteGateway } from './gateway.js';

/** Settles within `ms`? (used to show that a query is being held back). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([promise.then(() => true, () => true), sleep(ms).then(() => false)]);
}

/** A raw TCP client speaking the protocol by hand, for what `pg` cannot be made to send. */
class RawClient {
  private received = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiters.splice(0).forEach((wake) => wake());
    });
  }
  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    return new RawClient(socket);
  }
  send(...messages: Uint8Array[]): void {
    for (const m of messages) this.socket.write(m);
  }
  /** Waits for `n` bytes, or for a backend message of type `type` to have arrived. */
  async until(predicate: (received: Buffer) => boolean): Promise<Buffer> {
    while (!predicate(this.received)) await new Promise<void>((resolve) => this.waiters.push(resolve));
    const out = this.received;
    this.received = Buffer.alloc(0);
    return out;
  }
  messages(buffer: Buffer): string[] {
    const names: string[] = [];
    new protocol.Parser().parse(buffer, (m) => names.push(m.name));
    return names;
  }
}
const endsWithReady = (b: Buffer) => b.length >= 6 && b[b.length - 6] === 0x5a;

describe(startGateway.name, () => {
  describe('with node-postgres clients', () => {
    let db: PGlite;
    let gateway: PgliteGateway;
    const clients: pg.Client[] = [];
    const client = async () => {
      const c = new pg.Client({ connectionString: gateway.url });
      c.on('error', () => undefined);
      await c.connect();
      clients.push(c);
      return c;
    };

    beforeAll(async () => {
      db = await PGlite.create();
      await db.exec('CREATE TABLE item (id serial PRIMARY KEY, owner text NOT NULL, n int NOT NULL)');
      gateway = await startGateway({ db, idleInTransactionTimeoutMs: 0 });
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
      await db.exec('TRUNCATE item');
    });
    afterAll(async () => {
      await gateway.close();
      await db.close();
    });

    it('answers simple and extended queries and reports errors without losing the connection', async () => {
      const c = await client();
      expect((await c.query('SELECT 1 AS one; SELECT 2 AS two')) as unknown as pg.QueryResult[]).toHaveLength(2);
      expect((await c.query('SELECT $1::int + $2::int AS sum', [20, 22])).rows).toEqual([{ sum: 42 }]);
      await expect(c.query('SELECT 1/0')).rejects.toThrow(/division by zero/);
      await expect(c.query('SELECT $1::int / 0', [1])).rejects.toThrow(/division by zero/);
      expect((await c.query('SELECT current_setting($1) AS tz', ['TimeZone'])).rows).toEqual([{ tz: 'UTC' }]);
    });

    it('keeps many clients\' parallel extended queries apart', async () => {
      const all = await Promise.all(Array.from({ length: 5 }, () => client()));
      const results = await Promise.all(
        all.flatMap((c, who) =>
          Array.from({ length: 40 }, async (_, i) => {
            const { rows } = await c.query('INSERT INTO item (owner, n) VALUES ($1, $2) RETURNING owner, n', [`c${who}`, i]);
            return { sent: { owner: `c${who}`, n: i }, got: rows[0] };
          }),
        ),
      );
      for (const r of results) expect(r.got).toEqual(r.sent);
      const counts = await all[0]?.query('SELECT owner, count(*)::int AS n FROM item GROUP BY owner ORDER BY owner');
      expect(counts?.rows).toEqual([0, 1, 2, 3, 4].map((who) => ({ owner: `c${who}`, n: 40 })));
    });

    it('runs only the transaction owner\'s batches while its transaction is open', async () => {
      const [a, b] = [await client(), await client()];
      await a.query('BEGIN');
      await a.query('INSERT INTO item (owner, n) VALUES ($1, $2)', ['a', 1]);
      // In a single-session database B would otherwise see A's uncommitted row.
      const seen = b.query('SELECT count(*)::int AS n FROM item');
      expect(await settlesWithin(seen, 150)).toBe(false);
      await a.query('INSERT INTO item (owner, n) VALUES ($1, $2)', ['a', 2]);
      await a.query('ROLLBACK');
      expect((await seen).rows).toEqual([{ n: 0 }]);
    });

    it('holds the owner through a failed transaction until it ends it', async () => {
      const [a, b] = [await client(), await client()];
      await a.query('BEGIN');
      await expect(a.query('SELECT 1/0')).rejects.toThrow();
      const other = b.query('INSERT INTO item (owner, n) VALUES ($1, 1) RETURNING n', ['b']);
      expect(await settlesWithin(other, 150)).toBe(false);
      await expect(a.query('SELECT 1')).rejects.toThrow(/current transaction is aborted/);
      await a.query('ROLLBACK');
      expect((await other).rows).toEqual([{ n: 1 }]);
    });

    it('rolls back a client that disconnects mid-transaction and lets the others continue', async () => {
      const [a, b] = [await client(), await client()];
      await a.query('BEGIN');
      await a.query('INSERT INTO item (owner, n) VALUES ($1, $2)', ['a', 1]);
      const waiting = b.query('SELECT count(*)::int AS n FROM item');
      (a as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
      expect((await waiting).rows).toEqual([{ n: 0 }]);
      expect(db.isInTransaction()).toBe(false);
    });

    it('disconnects a client idle in a transaction past the timeout, rolling it back', async () => {
      const strict = await startGateway({ db, idleInTransactionTimeoutMs: 200 });
      try {
        const open = async () => {
          const c = new pg.Client({ connectionString: strict.url });
          c.on('error', () => undefined);
          await c.connect();
          clients.push(c);
          return c;
        };
        const [a, b] = [await open(), await open()];
        await a.query('BEGIN');
        await a.query('INSERT INTO item (owner, n) VALUES ($1, $2)', ['a', 1]);
        const started = Date.now();
        expect((await b.query('SELECT count(*)::int AS n FROM item')).rows).toEqual([{ n: 0 }]);
        expect(Date.now() - started).toBeGreaterThanOrEqual(150);
        await expect(a.query('SELECT 1')).rejects.toThrow();
      } finally {
        await strict.close();
      }
    });
  });

  describe('with raw protocol messages', () => {
    let db: PGlite;
    let gateway: PgliteGateway;
    const raws: RawClient[] = [];
    const startup = protocol.serialize.startup({ user: 'postgres', database: 'postgres' });
    const open = async () => {
      const raw = await RawClient.open(gateway.port);
      raws.push(raw);
      return raw;
    };

    beforeAll(async () => {
      db = await PGlite.create();
      gateway = await startGateway({ db, idleInTransactionTimeoutMs: 0 });
    });
    afterEach(() => {
      raws.splice(0).forEach((r) => r.socket.destroy());
    });
    afterAll(async () => {
      await gateway.close();
      await db.close();
    });

    it('refuses TLS with N, then completes the startup with AuthenticationOk … ReadyForQuery', async () => {
      const raw = await open();
      raw.send(protocol.serialize.requestSsl());
      expect((await raw.until((b) => b.length >= 1)).toString()).toBe('N');
      raw.send(startup);
      const names = raw.messages(await raw.until(endsWithReady));
      expect(names[0]).toBe('authenticationOk');
      expect(names).toContain('parameterStatus');
      expect(names.at(-1)).toBe('readyForQuery');
    });

    it('accepts messages split across TCP chunks and several batches in one chunk', async () => {
      const raw = await open();
      raw.send(startup);
      await raw.until(endsWithReady);
      const q1 = protocol.serialize.query('SELECT 1');
      const q2 = protocol.serialize.query('SELECT 2');
      for (const byte of q1) raw.send(Uint8Array.of(byte));
      expect(raw.messages(await raw.until(endsWithReady))).toEqual(['rowDescription', 'dataRow', 'commandComplete', 'readyForQuery']);
      raw.send(new Uint8Array([...q1, ...q2]));
      const both = await raw.until((b) => raw.messages(b).filter((n) => n === 'readyForQuery').length === 2);
      expect(raw.messages(both).filter((n) => n === 'dataRow')).toHaveLength(2);
    });

    it('keeps a flushed extended sequence exclusive until its Sync', async () => {
      const [a, b] = [await open(), await open()];
      a.send(startup);
      b.send(startup);
      await a.until(endsWithReady);
      await b.until(endsWithReady);
      a.send(
        protocol.serialize.parse({ text: 'SELECT 41 + 1' }),
        protocol.serialize.bind({}),
        protocol.serialize.execute({}),
        protocol.serialize.flush(),
      );
      expect(a.messages(await a.until((buf) => a.messages(buf).includes('commandComplete')))).toEqual([
        'parseComplete',
        'bindComplete',
        'dataRow',
        'commandComplete',
      ]);
      // B's Parse would replace A's unnamed statement if it ran now.
      b.send(protocol.serialize.parse({ text: 'SELECT 7' }), protocol.serialize.bind({}), protocol.serialize.execute({}), protocol.serialize.sync());
      const bDone = b.until(endsWithReady);
      expect(await settlesWithin(bDone, 150)).toBe(false);
      a.send(protocol.serialize.bind({}), protocol.serialize.execute({}), protocol.serialize.sync());
      const again = await a.until(endsWithReady);
      expect(a.messages(again)).toEqual(['bindComplete', 'dataRow', 'commandComplete', 'readyForQuery']);
      expect(again.includes(Buffer.from('42'))).toBe(true);
      expect((await bDone).includes(Buffer.from('7'))).toBe(true);
    });
  });

  describe('with two PrismaClients through @prisma/adapter-pg', () => {
    let db: PGlite;
    let gateway: PgliteGateway;
    let api: Db;
    let worker: Db;

    beforeAll(async () => {
      db = await createMigratedPglite();
      gateway = await startGateway({ db, idleInTransactionTimeoutMs: 0 });
      [api, worker] = await Promise.all([createDb({ url: gateway.url, poolSize: 4 }), createDb({ url: gateway.url, poolSize: 4 })]);
    });
    afterAll(async () => {
      await Promise.all([api?.close(), worker?.close()]);
      await gateway?.close();
      await db?.close();
    });

    it('interleaves interactive transactions and parallel queries without cross-talk', async () => {
      const tokens = (who: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${who}-${i}`, tokenHash: `${who}-hash-${i}` }));
      const transaction = (client: Db, who: string) =>
        client.prisma.$transaction(async (tx) => {
          for (const data of tokens(who, 5)) {
            await tx.apiToken.create({ data });
            await sleep(5);
          }
          // Inside its transaction a client sees its own writes and none of the other's pending ones.
          const names = (await tx.apiToken.findMany({ select: { name: true } })).map((t) => t.name);
          expect(names.filter((n) => n.startsWith(`${who}-`))).toHaveLength(5);
          return names.length;
        });
      const failing = (client: Db, who: string) =>
        client.prisma.$transaction(async (tx) => {
          await tx.apiToken.create({ data: { name: `${who}-doomed`, tokenHash: `${who}-doomed` } });
          throw new Error('abort');
        });
      const reads = (client: Db) => Array.from({ length: 25 }, () => client.prisma.apiToken.count());

      const results = await Promise.allSettled([
        transaction(api, 'api'),
        transaction(worker, 'worker'),
        failing(api, 'api'),
        failing(worker, 'worker'),
        ...reads(api),
        ...reads(worker),
        api.prisma.apiToken.createMany({ data: tokens('bulk', 20) }),
      ]);
      expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.message)).toEqual(['abort', 'abort']);
      const names = (await worker.prisma.apiToken.findMany({ select: { name: true } })).map((t) => t.name);
      expect(names.filter((n) => n.startsWith('api-'))).toHaveLength(5);
      expect(names.filter((n) => n.startsWith('worker-'))).toHaveLength(5);
      expect(names.filter((n) => n.startsWith('bulk-'))).toHaveLength(20);
      expect(names.some((n) => n.endsWith('-doomed'))).toBe(false);
      // Every read saw only committed states: sums of whole transactions (5, 5, 20). A count in
      // between would be a read that ran inside another client's open transaction.
      const counts = results.slice(4, 54).map((r) => (r as PromiseFulfilledResult<number>).value);
      for (const count of counts) expect([0, 5, 10, 20, 25, 30]).toContain(count);
    });

    it('maps a unique violation from one client while another is busy to a Prisma conflict', async () => {
      await api.prisma.apiToken.create({ data: { name: 'unique-x', tokenHash: 'ux' } });
      await expect(worker.prisma.apiToken.create({ data: { name: 'unique-x', tokenHash: 'uy' } })).rejects.toMatchObject({ code: 'P2002' });
    });
  });
});
