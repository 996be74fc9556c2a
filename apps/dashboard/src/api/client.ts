import {
  collectPages,
  ERROR_CODES,
  PAGE_LIMITS,
  type ArchiveResult,
  type CompareBody,
  type Comparison,
  type CreatedApiToken,
  type DatasetItemPage,
  type DatasetMos,
  type DeleteResult,
  type RunList,
  type RunRow,
  type UpdateRunBody,
  type CreateScheduleBody,
  type DatasetInspection,
  type DatasetRow,
  type EpochMetricRow,
  type EpochPage,
  type Prediction,
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
  type ScheduleRow,
  type SettingsComparison,
  type SettingsList,
  type SweepDetail,
  type SweepList,
  type SweepRunsPage,
  type RunStatus,
  type SweepStatus,
  type SweepSummary,
  type Table1,
  type Table2,
  type Table3,
  type TimingTable,
  type Workers,
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

/** A table's query as the pages hold it (null: the API's default); Tables 2 and 3 also name datasets per paper column. */
export interface TableQuery {
  dataset?: string | null;
  setting?: string | null;
  sweep?: string | null;
  plcc?: string | null;
  inProgress?: string | null;
  agiqa3k?: string | null;
  aigciqa2023?: string | null;
  pku_i2iqa?: string | null;
}

/** The text formats the API exports a table in (`?format=`). */
export type TableExportFormat = 'latex' | 'csv' | 'md';

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
  url(path: string, query: Query | URLSearchParams = {}): string {
    const q = new URLSearchParams(query instanceof URLSearchParams ? query : undefined);
    if (!(query instanceof URLSearchParams)) for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const s = q.toString();
    return `${this.baseUrl}${path}${s ? `?${s}` : ''}`;
  }

  async request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: { query?: Query | URLSearchParams; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    const { response, text } = await this.send(method, path, options, 'application/json');
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

  /** A text answer as sent (a table exported as LaTeX, CSV or Markdown); errors still come as the API's JSON. */
  async requestText(path: string, options: { query?: Query; signal?: AbortSignal } = {}): Promise<string> {
    const { response, text } = await this.send('GET', path, options, '*/*');
    if (response.ok) return text;
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    throw apiErrorFrom(response.status, response.statusText, body);
  }

  private async send(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: { query?: Query | URLSearchParams; body?: unknown; signal?: AbortSignal }, accept: string): Promise<{ response: Response; text: string }> {
    const headers: Record<string, string> = { accept };
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
    return { response, text: await response.text() };
  }

  health(signal?: AbortSignal) {
    return this.request<Health>('GET', '/health', { signal });
  }

  /** The workers polling each task queue (Temporal's task-queue description). */
  workers(signal?: AbortSignal) {
    return this.request<Workers>('GET', '/workers', { signal });
  }

  // --- datasets
  listDatasets(signal?: AbortSignal) {
    return this.request<DatasetRow[]>('GET', '/datasets', { signal });
  }
  registerDataset(body: RegisterDatasetBody) {
    return this.request<DatasetRow>('POST', '/datasets', { body });
  }
  getDataset(idOrName: string, signal?: AbortSignal) {
    return this.request<DatasetRow>('GET', `/datasets/${encodeURIComponent(idOrName)}`, { signal });
  }
  datasetItems(idOrName: string, page: { limit: number; offset: number }, signal?: AbortSignal) {
    return this.request<DatasetItemPage>('GET', `/datasets/${encodeURIComponent(idOrName)}/items`, { query: page, signal });
  }
  datasetMos(idOrName: string, signal?: AbortSignal) {
    return this.request<DatasetMos>('GET', `/datasets/${encodeURIComponent(idOrName)}/mos`, { signal });
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
  /** A page of the sweep's cells in cellKey order. */
  sweepRuns(id: string, query: { status?: RunStatus; limit?: number; offset?: number } = {}, signal?: AbortSignal) {
    return this.request<SweepRunsPage>('GET', `/sweeps/${encodeURIComponent(id)}/runs`, { query, signal });
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
  /** A page of the run's epoch rows in epoch order. */
  runEpochs(id: string, query: { limit?: number; offset?: number } = {}, signal?: AbortSignal) {
    return this.request<EpochPage>('GET', `/runs/${encodeURIComponent(id)}/epochs`, { query, signal });
  }
  /** The run's whole learning curve, read page after page. */
  async allEpochs(id: string, signal?: AbortSignal): Promise<EpochMetricRow[]> {
    const limit = PAGE_LIMITS.epochs.maxLimit;
    return (await collectPages((offset) => this.runEpochs(id, { limit, offset }, signal))).items;
  }
  /** Every test prediction of the run, read page after page. */
  async allPredictions(id: string, signal?: AbortSignal): Promise<Prediction[]> {
    const limit = PAGE_LIMITS.predictions.maxLimit;
    return (await collectPages((offset) => this.getPredictions(id, { limit, offset }, signal))).items;
  }
  /** A page of the run's test predictions in dataset order. */
  getPredictions(id: string, query: { limit?: number; offset?: number } = {}, signal?: AbortSignal) {
    return this.request<RunPredictions>('GET', `/runs/${encodeURIComponent(id)}/predictions`, { query, signal });
  }
  compareRuns(ids: readonly string[], signal?: AbortSignal) {
    return this.request<RunComparison>('GET', '/runs/compare', { query: { ids: ids.join(',') }, signal });
  }
  /** Any number of runs, or an explorer query's runs (one series per group). */
  compare(body: CompareBody, signal?: AbortSignal) {
    return this.request<Comparison>('POST', '/runs/compare', { body, signal });
  }
  /** The runs explorer: `params` carries repeated `filter`, `sort`, `groupBy`, `limit`, `offset`. */
  listRuns(params: URLSearchParams, signal?: AbortSignal) {
    return this.request<RunList>('GET', '/runs', { query: params, signal });
  }
  updateRun(id: string, body: UpdateRunBody) {
    return this.request<RunRow>('PATCH', `/runs/${encodeURIComponent(id)}`, { body });
  }
  archive(kind: 'runs' | 'sweeps' | 'datasets', id: string, archived: boolean) {
    return this.request<ArchiveResult>('POST', `/${kind}/${encodeURIComponent(id)}/${archived ? 'archive' : 'unarchive'}`);
  }
  remove(kind: 'runs' | 'sweeps' | 'datasets', id: string) {
    return this.request<DeleteResult>('DELETE', `/${kind}/${encodeURIComponent(id)}`);
  }
  /** URL of a run's predictions as CSV (a download link). */
  predictionsCsvUrl(id: string) {
    return this.url(`/runs/${encodeURIComponent(id)}/predictions.csv`);
  }
  /** URL of a live stream (`/sweeps/:id/events`, `/runs/:id/events`). */
  eventsUrl(kind: 'sweeps' | 'runs', id: string) {
    return this.url(`/${kind}/${encodeURIComponent(id)}/events`);
  }

  // --- tables
  table1(query: TableQuery = {}, signal?: AbortSignal) {
    return this.request<Table1>('GET', '/tables/1', { query: { ...query }, signal });
  }
  table2(query: TableQuery = {}, signal?: AbortSignal) {
    return this.request<Table2>('GET', '/tables/2', { query: { ...query }, signal });
  }
  table3(query: TableQuery = {}, signal?: AbortSignal) {
    return this.request<Table3>('GET', '/tables/3', { query: { ...query }, signal });
  }
  timing(query: Pick<TableQuery, 'inProgress'> = {}, signal?: AbortSignal) {
    return this.request<TimingTable>('GET', '/tables/timing', { query: { ...query }, signal });
  }
  /** A table as the API exports it: LaTeX, CSV or Markdown text, for the copy and download buttons. */
  exportTable(table: '1' | '2' | '3' | 'timing', query: TableQuery, format: TableExportFormat, signal?: AbortSignal) {
    return this.requestText(`/tables/${table}`, { query: { ...query, format }, signal });
  }
  /** Settings with completed runs (on `dataset`, or any), for the pickers. */
  tableSettings(query: { dataset?: string | null; inProgress?: string | null } = {}, signal?: AbortSignal) {
    return this.request<SettingsList>('GET', '/tables/settings', { query: { ...query }, signal });
  }
  /** Two settings (or sweeps) compared over matched replicates. */
  compareSettings(query: { a: string; b: string; dataset?: string | null; metric?: string; plcc?: string | null; inProgress?: string | null }, signal?: AbortSignal) {
    return this.request<SettingsComparison>('GET', '/tables/significance', { query: { ...query }, signal });
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
