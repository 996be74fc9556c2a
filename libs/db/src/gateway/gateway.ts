import { createServer, type Server, type Socket } from 'node:net';
import { protocol, type PGlite } from '@electric-sql/pglite';
import {
  BATCH_END,
  errorResponse,
  FrontendReader,
  lastReadyStatus,
  negotiateProtocolVersion,
  ProtocolError,
  simpleQuery,
  STARTUP_CODES,
  SYNC,
  TERMINATE,
  type FrontendMessage,
} from './protocol.js';

export interface GatewayOptions {
  /** The one PGlite every client shares; the gateway never closes it. */
  db: PGlite;
  /** Default 127.0.0.1. The gateway does no authentication: keep it on localhost. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /**
   * A client idle inside a transaction for longer than this is disconnected (its transaction
   * rolls back), so one stuck client cannot stall the others forever. Default 60 s; 0 disables.
   */
  idleInTransactionTimeoutMs?: number;
  log?: (line: string) => void;
}

/** A running gateway. */
export interface PgliteGateway {
  /** `postgres://postgres@<host>:<port>/postgres` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Connected clients right now. */
  clients(): number;
  /** Stops accepting, disconnects clients (rolling back their open transactions) and waits for PGlite to be idle. */
  close(): Promise<void>;
}

/** What ends a batch, which decides what the gateway expects back. */
type BatchEnd = 'ready' | 'flush' | 'cleanup';

interface Session {
  id: number;
  socket: Socket;
  reader: FrontendReader;
  phase: 'startup' | 'ready' | 'closed';
  /** Messages of the batch being collected (up to its Sync / Query). */
  collected: Buffer[];
  /**
   * The last answer did not end with ReadyForQuery (a flushed extended-query sequence awaiting
   * its Sync): the session holds PGlite until it does.
   */
  awaitingSync: boolean;
}

interface Batch {
  session: Session;
  bytes: Buffer;
  end: BatchEnd;
}

/**
 * Serves one PGlite over the PostgreSQL wire protocol on TCP, so several processes (api,
 * workers, the CLI) can share the embedded database as if it were a server.
 *
 * PGlite is one Postgres backend: one session, one unnamed statement, one transaction. Clients
 * are therefore serialised at protocol boundaries: all of a client's messages up to and including
 * a Sync (or a simple Query / FunctionCall) run as one atomic batch, so two clients' extended
 * Parse/Bind/Execute sequences never interleave; and while a client has a transaction open
 * (ReadyForQuery `T`/`E`) or a flushed sequence awaiting Sync, only that client's batches run.
 * A client that disconnects mid-transaction is rolled back. Session state (SET, prepared
 * statement names, temp tables) is shared by all clients, as with a connection pooler in
 * transaction mode.
 */
export async function startGateway(options: GatewayOptions): Promise<PgliteGateway> {
  const { db } = options;
  const host = options.host ?? '127.0.0.1';
  const idleTimeoutMs = options.idleInTransactionTimeoutMs ?? 60_000;
  const log = options.log ?? (() => undefined);

  // What a new client receives after its startup packet: AuthenticationOk, the server's
  // ParameterStatus messages, BackendKeyData and ReadyForQuery, as PGlite itself answers one.
  // PGlite re-reports the parameters it set at startup with the next ReadyForQuery; a Sync
  // absorbs that here instead of in some client's first answer.
  const startupResponse = await db.runExclusive(async () => {
    const response = Buffer.from(await db.execProtocolRaw(protocol.serialize.startup({ user: 'postgres', database: 'postgres' })));
    await db.execProtocolRaw(SYNC);
    return response;
  });

  const sessions = new Set<Session>();
  const queue: Batch[] = [];
  let owner: Session | null = null;
  let running: Batch | null = null;
  let idleTimer: NodeJS.Timeout | null = null;
  let nextId = 1;
  let closing = false;
  let drained: (() => void) | null = null;

  function enqueue(batch: Batch, first = false): void {
    if (first) queue.unshift(batch);
    else queue.push(batch);
    pump();
  }

  function pump(): void {
    if (running) return;
    const index = owner ? queue.findIndex((b) => b.session === owner) : queue.length > 0 ? 0 : -1;
    if (index === -1) {
      armIdleTimer();
      if (queue.length === 0 && drained) drained();
      return;
    }
    clearIdleTimer();
    const [batch] = queue.splice(index, 1) as [Batch];
    running = batch;
    db.runExclusive(() => execute(batch))
      .catch((error: unknown) => {
        log(`client ${batch.session.id}: ${(error as Error).message}`);
        batch.session.socket.destroy();
      })
      .finally(() => {
        running = null;
        pump();
      });
  }

  async function execute(batch: Batch): Promise<void> {
    const { session } = batch;
    if (batch.end === 'cleanup') return releaseAfterDisconnect(session);
    const response = await db.execProtocolRaw(batch.bytes);
    const status = lastReadyStatus(response);
    if (batch.end === 'flush' || status === null) {
      session.awaitingSync = true;
      owner = session;
    } else {
      session.awaitingSync = false;
      owner = status === 'T' || status === 'E' || db.isInTransaction() ? session : null;
    }
    if (session.phase === 'closed') {
      if (owner === session) await releaseAfterDisconnect(session);
      return;
    }
    session.socket.write(response);
  }

  /** Ends whatever a vanished client left open, so the next client starts clean. */
  async function releaseAfterDisconnect(session: Session): Promise<void> {
    if (owner !== session) return;
    if (session.awaitingSync) await db.execProtocolRaw(SYNC);
    if (db.isInTransaction()) {
      await db.execProtocolRaw(simpleQuery('ROLLBACK'));
      log(`client ${session.id} disconnected inside a transaction: rolled back`);
    }
    session.awaitingSync = false;
    owner = null;
  }

  function armIdleTimer(): void {
    if (!owner || idleTimeoutMs <= 0 || idleTimer) return;
    const idle = owner;
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (owner !== idle || running) return;
      log(`client ${idle.id} idle in transaction for ${idleTimeoutMs} ms: disconnecting it`);
      disconnect(idle, errorResponse('FATAL', '25P03', `terminating connection due to idle-in-transaction timeout (${idleTimeoutMs} ms)`));
    }, idleTimeoutMs);
    idleTimer.unref();
  }

  function clearIdleTimer(): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
  }

  function onStartup(session: Session): void {
    for (;;) {
      const packet = session.reader.nextStartup();
      if (!packet) return;
      switch (packet.code) {
        case STARTUP_CODES.sslRequest:
        case STARTUP_CODES.gssEncRequest:
          // No TLS on a localhost gateway: 'N' tells the client to go on in plain text.
          session.socket.write('N');
          continue;
        case STARTUP_CODES.cancelRequest:
          // PGlite runs one statement at a time to completion; there is nothing to cancel.
          session.socket.end();
          return;
      }
      if (packet.code >> 16 !== 3) {
        session.socket.end(errorResponse('FATAL', '0A000', `unsupported frontend protocol ${packet.code >> 16}.${packet.code & 0xffff}`));
        return;
      }
      if ((packet.code & 0xffff) !== 0) session.socket.write(negotiateProtocolVersion(0));
      session.socket.write(startupResponse);
      session.phase = 'ready';
      onMessages(session);
      return;
    }
  }

  function onMessages(session: Session): void {
    let message: FrontendMessage | null;
    while ((message = session.reader.nextMessage())) {
      if (message.type === TERMINATE) {
        session.collected = [];
        session.socket.end();
        return;
      }
      session.collected.push(message.bytes);
      const end = batchEnd(message.type);
      if (end) {
        const bytes = session.collected.length === 1 ? (session.collected[0] as Buffer) : Buffer.concat(session.collected);
        session.collected = [];
        enqueue({ session, bytes, end });
      }
    }
  }

  /** Releases the session now (rolling back what it left open) and tells the client why. */
  function disconnect(session: Session, farewell: Buffer): void {
    onClose(session);
    session.socket.end(farewell);
    setTimeout(() => session.socket.destroy(), 1_000).unref();
  }

  function onClose(session: Session): void {
    if (session.phase === 'closed') return;
    session.phase = 'closed';
    sessions.delete(session);
    for (let i = queue.length - 1; i >= 0; i--) if (queue[i]?.session === session) queue.splice(i, 1);
    // A batch of this client still running finishes first and releases after itself.
    if (owner === session && running?.session !== session) enqueue({ session, bytes: Buffer.alloc(0), end: 'cleanup' }, true);
    else pump();
  }

  const server: Server = createServer((socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const session: Session = { id: nextId++, socket, reader: new FrontendReader(), phase: 'startup', collected: [], awaitingSync: false };
    sessions.add(session);
    socket.on('data', (chunk: Buffer) => {
      if (session.phase === 'closed') return;
      try {
        session.reader.push(chunk);
        if (session.phase === 'startup') onStartup(session);
        else onMessages(session);
      } catch (error) {
        if (!(error instanceof ProtocolError)) throw error;
        log(`client ${session.id}: ${error.message}`);
        disconnect(session, errorResponse('FATAL', '08P01', error.message));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => onClose(session));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `postgres://postgres@${urlHost}:${port}/postgres`,
    host,
    port,
    clients: () => sessions.size,
    async close() {
      if (closing) return;
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of [...sessions]) {
        onClose(session);
        session.socket.destroy();
      }
      await new Promise<void>((resolve) => {
        drained = resolve;
        pump();
      });
      clearIdleTimer();
      await stopped;
    },
  };
}

function batchEnd(type: number): BatchEnd | null {
  switch (type) {
    case BATCH_END.sync:
    case BATCH_END.query:
    case BATCH_END.functionCall:
    case BATCH_END.copyDone:
    case BATCH_END.copyFail:
      return 'ready';
    case BATCH_END.flush:
      return 'flush';
    default:
      return null;
  }
}
