/**
 * One feature extraction at a time per worker process. An extraction already uses every core it
 * is given (onnxruntime's intra-op threads, sharp's decoders); two at once (a cell's image and
 * text sets, or two sweeps) only time-slice the same cores, thrash the caches and hold two models
 * in memory. Waiters run in arrival order.
 */
export class ExtractionGate {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  /** Extractions running or waiting. */
  get pending(): number {
    return this.queued;
  }

  /**
   * Runs `work` once every extraction queued before it has finished. An aborted `signal` (the
   * activity was cancelled) gives up the wait with the signal's reason, keeping the order of the rest.
   */
  async run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const before = this.tail;
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    // Whoever comes next waits for the extractions before this one too, even if this one gives up early.
    this.tail = before.then(() => mine);
    this.queued += 1;
    try {
      await untilAborted(before, signal);
      return await work();
    } finally {
      this.queued -= 1;
      release();
    }
  }
}

function untilAborted(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return wait;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    void wait.then(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    });
  });
}
