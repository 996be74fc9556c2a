// The slice of the PostgreSQL frontend/backend protocol (v3) the gateway needs to frame client
// traffic; everything else passes through to PGlite untouched.
// https://www.postgresql.org/docs/current/protocol-message-formats.html

/** Startup-phase request codes (the int32 after the length of an untyped packet). */
export const STARTUP_CODES = {
  sslRequest: 80877103,
  gssEncRequest: 80877104,
  cancelRequest: 80877102,
  /** Protocol 3.0; the minor version is the low 16 bits. */
  protocolV3: 3 << 16,
} as const;

/** Frontend message types that end a batch: the client then waits for the server's answer. */
export const BATCH_END = {
  /** Sync: ends an extended-query sequence; the answer ends with ReadyForQuery. */
  sync: 0x53, // 'S'
  /** Simple Query; the answer ends with ReadyForQuery. */
  query: 0x51, // 'Q'
  /** FunctionCall; the answer ends with ReadyForQuery. */
  functionCall: 0x46, // 'F'
  /** Flush: output so far without ReadyForQuery; the sequence continues until a Sync. */
  flush: 0x48, // 'H'
  /** CopyDone / CopyFail end the data of a COPY … FROM STDIN. */
  copyDone: 0x63, // 'c'
  copyFail: 0x66, // 'f'
} as const;

export const TERMINATE = 0x58; // 'X'

/** One frontend message, whole: type byte, length, body. */
export interface FrontendMessage {
  type: number;
  bytes: Buffer;
}

/** An untyped startup-phase packet: its request code and the whole packet. */
export interface StartupPacket {
  code: number;
  bytes: Buffer;
}

/** Largest message the gateway accepts (Postgres' own limit for a query is 1 GB). */
const MAX_MESSAGE = 1 << 30;

/**
 * Cuts a client's byte stream into messages. TCP delivers arbitrary chunks; a message may span
 * chunks and a chunk may hold many messages.
 */
export class FrontendReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  /** The next startup-phase packet (no type byte), or null until it has fully arrived. */
  nextStartup(): StartupPacket | null {
    if (this.buffer.length < 8) return null;
    const length = this.buffer.readInt32BE(0);
    if (length < 8 || length > MAX_MESSAGE) throw new ProtocolError(`invalid startup packet length ${length}`);
    if (this.buffer.length < length) return null;
    const bytes = this.take(length);
    return { code: bytes.readInt32BE(4), bytes };
  }

  /** The next typed message, or null until it has fully arrived. */
  nextMessage(): FrontendMessage | null {
    if (this.buffer.length < 5) return null;
    const length = this.buffer.readInt32BE(1);
    if (length < 4 || length > MAX_MESSAGE) throw new ProtocolError(`invalid message length ${length}`);
    if (this.buffer.length < length + 1) return null;
    const bytes = this.take(length + 1);
    return { type: bytes[0] as number, bytes };
  }

  private take(n: number): Buffer {
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }
}

/** The client broke the protocol; the connection is closed. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/**
 * The transaction status of the last ReadyForQuery in a backend response: `I` idle, `T` in a
 * transaction block, `E` in a failed one; null when the response does not end with one.
 */
export function lastReadyStatus(response: Uint8Array): 'I' | 'T' | 'E' | null {
  // ReadyForQuery is 'Z', int32 length 5, one status byte: always the last 6 bytes when present.
  const n = response.length;
  if (n < 6 || response[n - 6] !== 0x5a || response[n - 5] !== 0 || response[n - 4] !== 0 || response[n - 3] !== 0 || response[n - 2] !== 5) {
    return null;
  }
  const status = String.fromCharCode(response[n - 1] as number);
  return status === 'I' || status === 'T' || status === 'E' ? status : null;
}

/** A backend ErrorResponse ('E') with severity, SQLSTATE and message fields. */
export function errorResponse(severity: 'ERROR' | 'FATAL', code: string, message: string): Buffer {
  const fields = Buffer.concat([
    field('S', severity),
    field('V', severity),
    field('C', code),
    field('M', message),
    Buffer.from([0]),
  ]);
  return typed(0x45, fields);
}

/** NegotiateProtocolVersion ('v'): the newest minor version the server speaks, no unknown options. */
export function negotiateProtocolVersion(newestMinor: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeInt32BE(newestMinor, 0);
  body.writeInt32BE(0, 4);
  return typed(0x76, body);
}

/** A frontend Sync message. */
export const SYNC = typed(0x53, Buffer.alloc(0));

/** A frontend simple Query message. */
export function simpleQuery(sql: string): Buffer {
  return typed(0x51, Buffer.concat([Buffer.from(sql, 'utf8'), Buffer.from([0])]));
}

function field(code: string, value: string): Buffer {
  return Buffer.concat([Buffer.from(code, 'ascii'), Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

function typed(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = type;
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
