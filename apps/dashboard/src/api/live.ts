import { createParser } from 'eventsource-parser';
import type { TokenStore } from './token.js';

/** One server-sent event: its type (`snapshot`, `runs`…) and its JSON data. */
export interface LiveEvent {
  type: string;
  data: unknown;
}

export interface LiveOptions {
  tokens: TokenStore;
  /** Aborting it closes the stream for good. */
  signal: AbortSignal;
  onEvent(event: LiveEvent): void;
  /** The stream dropped and will be reopened (the server then sends a fresh snapshot). */
  onReconnecting?(reason: string): void;
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  /** Wait before reopening a dropped stream (ms); doubles up to 30 s. */
  retryMs?: number;
}

/**
 * Follows a server-sent event stream of the API until it sends `end` or `signal` aborts.
 *
 * `fetch` rather than `EventSource`, because EventSource cannot send the Authorization header a
 * token needs; the stream itself is parsed by eventsource-parser (the WHATWG event-stream rules).
 * A dropped stream is reopened with backoff; each opening starts with a `snapshot`, so a consumer
 * that treats `snapshot` as "replace everything" never misses a change.
 */
export async function followEvents(url: string, options: LiveOptions): Promise<void> {
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  let wait = options.retryMs ?? 1000;
  while (!options.signal.aborted) {
    let ended = false;
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      const token = options.tokens.get();
      if (token) headers['authorization'] = `Bearer ${token}`;
      const response = await fetchFn(url, { headers, signal: options.signal });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      const parser = createParser({
        onEvent: (event) => {
          if (event.event === 'end') ended = true;
          options.onEvent({ type: event.event ?? 'message', data: event.data ? (JSON.parse(event.data) as unknown) : null });
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      wait = options.retryMs ?? 1000;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
      if (ended) return;
      options.onReconnecting?.('the stream closed');
    } catch (error) {
      if (options.signal.aborted) return;
      if (ended) return;
      options.onReconnecting?.(error instanceof Error ? error.message : String(error));
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait = Math.min(wait * 2, 30_000);
  }
}
