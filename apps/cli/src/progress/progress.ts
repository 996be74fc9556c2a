/**
 * Progress of long CLI work (sweeps, synthesis, feature extraction): a bar with ETA on a terminal,
 * a few plain lines when the output is a file or a pipe, nothing with `--json`.
 *
 * The bar is cli-progress (maintained, ETA over a moving window, redraw throttling, cursor
 * handling); the plain-line mode is ours because cli-progress's non-TTY mode prints a full line
 * every 2 s whether or not anything changed, which is the one-line-per-poll flood this replaces.
 * Progress goes to stderr, so that stdout carries only results (and JSON stays parseable).
 */
import cliProgress from 'cli-progress';

export type ProgressMode = 'bar' | 'lines' | 'silent';

export interface ProgressOptions {
  /** What is counted, e.g. "epochs", "images". */
  unit: string;
  /** Short name before the bar, e.g. "sweep 1a2b". */
  label: string;
  mode: ProgressMode;
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Plain-line mode prints at every `linesStep` of the total (default 0.1) or when the detail changes. */
  linesStep?: number;
  /** Clock for the plain-line ETA (tests). */
  now?: () => number;
}

export interface Progress {
  /** Sets the done count (and the total when it is known or changes); `detail` is the text after the bar. */
  update(done: number, total: number, detail?: string): void;
  /** Prints a line above the bar (or as a plain line), e.g. a cell that failed. */
  log(line: string): void;
  /** Draws the final state and releases the terminal (cursor, line). Idempotent. */
  stop(): void;
}

/** `bar` when the stream is a terminal, `lines` otherwise, `silent` for `--json`. */
export function progressMode(json: boolean | undefined, stream: { isTTY?: boolean } = process.stderr): ProgressMode {
  if (json) return 'silent';
  return stream.isTTY ? 'bar' : 'lines';
}

export function createProgress(options: ProgressOptions): Progress {
  switch (options.mode) {
    case 'bar':
      return barProgress(options);
    case 'lines':
      return lineProgress(options);
    case 'silent':
      return { update: () => undefined, log: () => undefined, stop: () => undefined };
  }
}

function barProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: `${options.label} |{bar}| {percentage}% | {value}/{total} ${options.unit} | ETA {eta_formatted} | {detail}`,
      hideCursor: true,
      // Keep the last state on screen: it is the summary the user reads after the command ends.
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | null = null;
  let stopped = false;
  return {
    update(done, total, detail = '') {
      if (stopped) return;
      if (!bar) bar = multi.create(Math.max(total, 1), done, { detail });
      else {
        if (total !== bar.getTotal()) bar.setTotal(Math.max(total, 1));
        bar.update(done, { detail });
      }
    },
    log(line) {
      if (stopped) stream.write(`${line}\n`);
      else multi.log(`${line}\n`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}

function lineProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const step = options.linesStep ?? 0.1;
  const now = options.now ?? Date.now;
  let first: { at: number; done: number } | null = null;
  let lastBucket = -1;
  let lastDetail: string | undefined;
  let last: { done: number; total: number; detail: string } | null = null;
  let printedLast = false;

  const print = (done: number, total: number, detail: string) => {
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    const eta = first ? etaSeconds(first, { at: now(), done }, total) : null;
    const parts = [`${options.label}: ${done}/${total} ${options.unit} (${pct}%)`];
    if (eta !== null && done < total) parts.push(`ETA ${formatDuration(eta)}`);
    if (detail) parts.push(detail);
    stream.write(`${parts.join(' | ')}\n`);
  };

  return {
    update(done, total, detail = '') {
      first ??= { at: now(), done };
      last = { done, total, detail };
      const bucket = total > 0 ? Math.floor(done / total / step) : 0;
      printedLast = bucket !== lastBucket || detail !== lastDetail;
      if (!printedLast) return;
      lastBucket = bucket;
      lastDetail = detail;
      print(done, total, detail);
    },
    log(line) {
      stream.write(`${line}\n`);
    },
    stop() {
      if (last && !printedLast) print(last.done, last.total, last.detail);
      printedLast = true;
    },
  };
}

/** Seconds left at the average rate since the first update; null before any progress. */
export function etaSeconds(first: { at: number; done: number }, current: { at: number; done: number }, total: number): number | null {
  const done = current.done - first.done;
  const elapsed = (current.at - first.at) / 1000;
  if (done <= 0 || elapsed <= 0) return null;
  return ((total - current.done) * elapsed) / done;
}

/** `1h02m`, `3m05s`, `12s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
