import {
  ERROR_CODES,
  type CreatedApiToken,
  type CreateScheduleBody,
  type DatasetInspection,
  type DatasetRow,
  type ErrorCode,
  type GridSpecInput,
  type Health,
  type ProblemDetail,
  type RegisterDatasetBody,
  type RerunResult,
  type RunComparison,
  type RunDetail,
  type RunPredictions,
  type ScheduleDetail,
  type PaperTablesQuery,
  type ScheduleRow,
  type SweepDetail,
  type SweepList,
  type SweepStatus,
  type SweepSummary,
  type Table1,
  type Table2,
  type Table3,
  type TimingTable,
} from '@agiqa/contracts';
import type { TokenStore } from './token.js';

/** A failed API call: the API's error body when it sent one, else what the transport said. */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when no response arrived. */
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: ProblemDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const STATUS_CODE: Record<number, ErrorCode> = { 400: 'invalid_input', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 503: 'unavailable' };

function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/**
 * Reads an error response. A body in the API's format (`{ error: { code, message, details } }`)
 * is used as sent; anything else (a proxy's HTML page, an empty body) becomes a message with the
 * status so that the user still learns what happened.
 */
export function apiErrorFrom(status: number, statusText: string, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const fallbackCode: ErrorCode = STATUS_CODE[status] ?? (status >= 500 ? 'internal' : 'invalid_input');
  if (error && typeof error.message === 'string') {
    const details = Array.isArray(error.details)
      ? error.details
          .filter((d): d is ProblemDetail => typeof d?.path === 'string' && typeof d?.message === 'string')
          .map((d) => ({ path: d.path, message: d.message }))
      : [];
    return new ApiError(status, isErrorCode(error.code) ? error.code : fallbackCode, error.message, details);
  }
  return new ApiError(status, fallbackCode, `HTTP ${status}${statusText ? ` ${statusText}` : ''}: the API answered without an error body`);
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** Origin + prefix of the API, e.g. `/api` (same origin) or `http://127.0.0.1:8750/api`. */
  baseUrl?: string;
  tokens: TokenStore;
  fetch?: FetchLike;
}

/** Query parameters: undefined and null are left out. */
type Query = Record<string, string | number | null | undefined>;

/**
 * Typed client of the agiqa HTTP API. Every method resolves with the response body typed by the
 * contracts, or rejects with an {@link ApiError}. The token, when set, goes as a Bearer header on
 * every request (mutating routes may require it; reads ignore it).
 */
export class ApiClient {
  private readonly baseUrl: string;
  private readonly tokens: TokenStore;
  private readonly fetchFn: FetchLike;

  constructor(options: ApiClientOptions) {
    this.baseUrl = (options.baseUrl ?? '/api').replace(/\/$/, '');
    this.tokens = options.tokens;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The URL of a path under the API with its query string. */
  url(path: string, query: Query = {}): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const s = q.toString();
    return `${this.baseUrl}${path}${s ? `?${s}` : ''}`;
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.tokens.get();
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await this.fetchFn(this.url(path, options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (cause) {
      if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new ApiError(0, 'unavailable', `the API is not reachable (${method} ${path}): ${reason}`);
    }
    const text = await response.text();
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
    }
    if (!response.ok) throw apiErrorFrom(response.status, response.statusText, body);
    if (body === null && text !== '') throw new ApiError(response.status, 'internal', `${method} ${path}: the API answered with a body that is not JSON`);
    return body as T;
  }

  health(signal?: AbortSignal) {
    return this.request<Health>('GET', '/health', { signal });
  }

  // --- datasets
  listDatasets(signal?: AbortSignal) {
    return this.request<DatasetRow[]>('GET', '/datasets', { signal });
  }
  registerDataset(body: RegisterDatasetBody) {
    return this.request<DatasetRow>('POST', '/datasets', { body });
  }
  inspectDataset(body: Partial<RegisterDatasetBody>) {
    return this.request<DatasetInspection>('POST', '/datasets/inspect', { body });
  }

  // --- sweeps
  listSweeps(query: { status?: SweepStatus; limit?: number; offset?: number; scheduleId?: string } = {}, signal?: AbortSignal) {
    return this.request<SweepList>('GET', '/sweeps', { query, signal });
  }
  getSweep(id: string, signal?: AbortSignal) {
    return this.request<SweepDetail>('GET', `/sweeps/${encodeURIComponent(id)}`, { signal });
  }
  /** The body is what the form produced; the API validates it (see GridSpecSchema). */
  createSweep(body: GridSpecInput) {
    return this.request<SweepDetail>('POST', '/sweeps', { body });
  }
  cancelSweep(id: string) {
    return this.request<SweepSummary>('POST', `/sweeps/${encodeURIComponent(id)}/cancel`);
  }
  rerunFailed(id: string) {
    return this.request<RerunResult>('POST', `/sweeps/${encodeURIComponent(id)}/rerun-failed`);
  }

  // --- runs
  getRun(id: string, signal?: AbortSignal) {
    return this.request<RunDetail>('GET', `/runs/${encodeURIComponent(id)}`, { signal });
  }
  getPredictions(id: string, signal?: AbortSignal) {
    return this.request<RunPredictions>('GET', `/runs/${encodeURIComponent(id)}/predictions`, { signal });
  }
  compareRuns(ids: readonly string[], signal?: AbortSignal) {
    return this.request<RunComparison>('GET', '/runs/compare', { query: { ids: ids.join(',') }, signal });
  }

  // --- tables
  table1(dataset: string | null, signal?: AbortSignal) {
    return this.request<Table1>('GET', '/tables/1', { query: { dataset }, signal });
  }
  /** `datasets` picks the registered dataset standing for each of the paper's; omitted: the API's default. */
  table2(datasets: PaperTablesQuery = {}, signal?: AbortSignal) {
    return this.request<Table2>('GET', '/tables/2', { query: { ...datasets }, signal });
  }
  table3(datasets: PaperTablesQuery = {}, signal?: AbortSignal) {
    return this.request<Table3>('GET', '/tables/3', { query: { ...datasets }, signal });
  }
  timing(signal?: AbortSignal) {
    return this.request<TimingTable>('GET', '/tables/timing', { signal });
  }

  // --- schedules
  listSchedules(signal?: AbortSignal) {
    return this.request<ScheduleRow[]>('GET', '/schedules', { signal });
  }
  getSchedule(id: string, signal?: AbortSignal) {
    return this.request<ScheduleDetail>('GET', `/schedules/${encodeURIComponent(id)}`, { signal });
  }
  /** The body is what the form produced; the API validates it (see CreateScheduleBodySchema). */
  createSchedule(body: CreateScheduleBody | Record<string, unknown>) {
    return this.request<ScheduleDetail>('POST', '/schedules', { body });
  }
  scheduleAction(id: string, action: 'pause' | 'resume' | 'trigger') {
    return this.request<ScheduleDetail>('POST', `/schedules/${encodeURIComponent(id)}/${action}`);
  }
  deleteSchedule(id: string) {
    return this.request<ScheduleRow>('DELETE', `/schedules/${encodeURIComponent(id)}`);
  }

  // --- tokens
  createToken(name: string) {
    return this.request<CreatedApiToken>('POST', '/tokens', { body: { name } });
  }
}
