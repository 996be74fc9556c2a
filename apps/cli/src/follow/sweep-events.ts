import type { RunSummary, SweepSnapshotEvent, SweepStateEvent } from '@agiqa/contracts';
import { createParser } from 'eventsource-parser';
import type { ApiClient } from '../api-client.js';

/**
 * The sweep as its live stream (`GET /api/sweeps/:id/events`) describes it, one snapshot per
 * event: the first `snapshot`, then the same with the changed runs (`runs`) or the new sweep
 * state (`sweep`) applied. Ends after `end`. A stream that drops is reopened (a fresh snapshot
 * follows); aborting `signal` stops it.
 */
export async function* sweepEvents(api: ApiClient, id: string, signal?: AbortSignal, retryMs = 1000): AsyncGenerator<SweepSnapshotEvent> {
  let state = null as SweepSnapshotEvent | null;
  for (;;) {
    signal?.throwIfAborted();
    const response = await api.stream(`/api/sweeps/${encodeURIComponent(id)}/events`, signal);
    const pending: { type: string; data: unknown }[] = [];
    const parser = createParser({ onEvent: (event) => pending.push({ type: event.event ?? 'message', data: JSON.parse(event.data) as unknown }) });
    const reader = response.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(value);
        for (const event of pending.splice(0)) {
          if (event.type === 'end') return;
          const next = applyEvent(state, event);
          if (next === state) continue;
          state = next;
          if (state) yield state;
        }
      }
    } finally {
      reader.releaseLock();
    }
    // The stream closed without `end` (API restart): reconnect after a pause.
    await new Promise((resolve) => setTimeout(resolve, retryMs));
  }
}

/** The sweep after one event (`snapshot` replaces it; `runs` and `sweep` patch it; others leave it). */
function applyEvent(state: SweepSnapshotEvent | null, event: { type: string; data: unknown }): SweepSnapshotEvent | null {
  if (event.type === 'snapshot') return event.data as SweepSnapshotEvent;
  if (!state) return state;
  if (event.type === 'runs') return withRuns(state, (event.data as { runs: RunSummary[] }).runs);
  if (event.type === 'sweep') return { ...state, ...(event.data as SweepStateEvent) };
  return state;
}

function withRuns<T extends { runs: RunSummary[] }>(state: T, changed: RunSummary[]): T {
  const byId = new Map(changed.map((r) => [r.id, r]));
  return { ...state, runs: state.runs.map((r) => byId.get(r.id) ?? r) };
}
