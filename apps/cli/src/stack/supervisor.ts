import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A background process of the embedded stack. */
export interface ProcessSpec {
  /** Short name: pid file `<runDir>/<name>.pid`, log file `<logDir>/<name>.log`. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Supervisor {
  runDir: string;
  logDir: string;
}

export function logFile(sup: Supervisor, name: string): string {
  return join(sup.logDir, `${name}.log`);
}

function pidFile(sup: Supervisor, name: string): string {
  return join(sup.runDir, `${name}.pid`);
}

/**
 * When a process started, in clock ticks since boot (Linux `/proc/<pid>/stat` field 22), or null
 * where there is no /proc. A pid plus its start time names one process: after a reboot or once the
 * pid is reused, the start time differs.
 */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** `<pid> <start time>` as written by `startProcess`. */
function writePidFile(file: string, pid: number): void {
  writeFileSync(file, `${pid} ${processStartTime(pid) ?? '-'}\n`);
}

/**
 * The pid of a running stack process, or null when it is not running. A pid file whose process is
 * gone, or whose pid now belongs to another process (different start time), is stale and removed:
 * `down` never signals a process the stack did not start.
 */
export function runningPid(sup: Supervisor, name: string): number | null {
  const file = pidFile(sup, name);
  if (!existsSync(file)) return null;
  const [pidText, started] = readFileSync(file, 'utf8').trim().split(/\s+/);
  const pid = Number(pidText);
  const same = started === undefined || started === '-' || processStartTime(pid) === null || processStartTime(pid) === started;
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && same) return pid;
  rmSync(file, { force: true });
  return null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Starts `spec` detached from the CLI (it outlives `agiqa up`), appending stdout and stderr to
 * its log file. Returns the byte offset where this start's output begins, so readiness checks
 * only read the new part of the log.
 */
export function startProcess(sup: Supervisor, spec: ProcessSpec): { pid: number; logOffset: number } {
  mkdirSync(sup.runDir, { recursive: true });
  mkdirSync(sup.logDir, { recursive: true });
  const log = logFile(sup, spec.name);
  const logOffset = existsSync(log) ? statSync(log).size : 0;
  const fd = openSync(log, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    // A failed spawn (missing executable) is reported here, not as an unhandled 'error' event.
    const failed: { error?: Error } = {};
    child.once('error', (error) => (failed.error = error));
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command}): ${failed.error?.message ?? 'the executable could not be run'}`);
    child.unref();
    writePidFile(pidFile(sup, spec.name), child.pid);
    return { pid: child.pid, logOffset };
  } finally {
    closeSync(fd);
  }
}

/**
 * Waits until the log (from `offset`) matches `ready`, failing early when the process exits and
 * after `timeoutMs`. Returns the match so callers can read values such as a URL from it. A log
 * line is not readiness: follow it with `waitUntilReady` and the component's own protocol.
 */
export async function waitForLog(
  sup: Supervisor,
  name: string,
  pid: number,
  offset: number,
  ready: RegExp,
  timeoutMs: number,
): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = logSince(sup, name, offset);
    const match = text.match(ready);
    if (match) return match;
    if (!isAlive(pid)) throw exitedDuringStart(sup, name, offset);
    if (Date.now() > deadline) {
      throw new Error(`${name} was not ready after ${Math.round(timeoutMs / 1000)} s; last lines of ${logFile(sup, name)}:\n${tail(text, 20)}`);
    }
    await sleep(200);
  }
}

/**
 * Waits until `probe` says the process answers its protocol (null), failing with the last lines of
 * its log as soon as it exits, or after `timeoutMs` with what the probe said last.
 */
export async function waitUntilReady(
  sup: Supervisor,
  name: string,
  pid: number,
  offset: number,
  probe: () => Promise<string | null>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const notYet = await probe();
    if (notYet === null) {
      // Answering, and still the process we started (not a server someone else runs there).
      if (isAlive(pid)) return;
      throw exitedDuringStart(sup, name, offset);
    }
    if (!isAlive(pid)) throw exitedDuringStart(sup, name, offset);
    if (Date.now() > deadline) {
      throw new Error(`${name} did not answer after ${Math.round(timeoutMs / 1000)} s (${notYet}); last lines of ${logFile(sup, name)}:\n${tail(logSince(sup, name, offset), 20)}`);
    }
    await sleep(250);
  }
}

/**
 * A component that exited while starting: the error leads with its own last error line (what
 * went wrong, e.g. "data folder … is in use by process 123"), then the tail of its log.
 */
function exitedDuringStart(sup: Supervisor, name: string, offset: number): Error {
  const text = logSince(sup, name, offset);
  const lines = text.trimEnd().split('\n');
  const why = [...lines].reverse().find((line) => /fail|error|in use|refus|cannot|invalid/i.test(line));
  return new Error(`${name} exited during start-up${why ? `: ${why.trim()}` : ''}; last lines of ${logFile(sup, name)}:\n${tail(text, 20)}`);
}

function logSince(sup: Supervisor, name: string, offset: number): string {
  const log = logFile(sup, name);
  return existsSync(log) ? readFileSync(log).subarray(offset).toString('utf8') : '';
}

/** Stops a stack process: SIGTERM, then SIGKILL after `graceMs`. Returns whether it was running. */
export async function stopProcess(sup: Supervisor, name: string, graceMs = 15_000): Promise<boolean> {
  const pid = runningPid(sup, name);
  if (pid === null) return false;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signalGroup(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  rmSync(pidFile(sup, name), { force: true });
  return true;
}

/** Detached children lead their own process group; signal the group so grandchildren stop too. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** True when something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs `fn` holding the stack lock (`<runDir>/stack.lock`), so two `agiqa up` / `down` never
 * interleave on one AGIQA_HOME (they would overwrite each other's pid files and orphan processes).
 * A lock whose holder is gone is taken over.
 */
export async function withStackLock<T>(sup: Supervisor, fn: () => Promise<T>): Promise<T> {
  mkdirSync(sup.runDir, { recursive: true });
  const file = join(sup.runDir, 'stack.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid} ${processStartTime(process.pid) ?? '-'}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const [pidText, started] = readFileSync(file, 'utf8').trim().split(/\s+/);
      const pid = Number(pidText);
      const holderAlive = Number.isInteger(pid) && pid > 0 && isAlive(pid) && (started === '-' || processStartTime(pid) === null || processStartTime(pid) === started);
      if (holderAlive) throw new Error(`another agiqa up/down (pid ${pid}) is working on this stack; wait for it, or delete ${file} if it is gone`);
      rmSync(file, { force: true });
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
