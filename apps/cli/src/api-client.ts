import { AgiqaError, ERROR_CODES, type ErrorBody, type ErrorCode } from '@agiqa/contracts';
import { readStackState } from './stack/stack.js';

/**
 * A thin HTTP client for the agiqa API. The CLI never touches the database or Temporal for
 * sweeps and tables: the API is the one place that owns those rules.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token?: string,
  ) {}

  /** `AGIQA_API_URL`, else the URL recorded by `agiqa up`. */
  static fromEnvironment(): ApiClient {
    // An empty variable counts as unset (`AGIQA_API_URL= npx agiqa …`).
    const fromEnv = process.env.AGIQA_API_URL || undefined;
    const baseUrl = fromEnv ?? readStackState()?.apiUrl;
    if (!baseUrl) {
      throw new AgiqaError('unavailable', 'no running stack: start it with `npx agiqa up` or set AGIQA_API_URL');
    }
    return new ApiClient(baseUrl.replace(/\/$/, ''), process.env.AGIQA_API_TOKEN || undefined);
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /** Opens a server-sent event stream; fails like `get` when the API answers with an error. */
  async stream(path: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { headers, signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new AgiqaError('unavailable', `cannot reach the agiqa API at ${this.baseUrl} (${(error as Error).message}); is the stack up (\`npx agiqa status\`)?`);
    }
    if (!response.ok || !response.body) throw errorOf(response.status, `GET ${path}`, await response.text());
    return response.body;
  }

  /** A text answer (a table as LaTeX, CSV or Markdown) as is; errors still arrive as JSON. */
  getText(path: string): Promise<string> {
    return this.request<string>('GET', path, undefined, 'text');
  }

  private async request<T>(method: string, path: string, body?: unknown, as: 'json' | 'text' = 'json'): Promise<T> {
    const headers: Record<string, string> = { accept: as === 'json' ? 'application/json' : '*/*' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new AgiqaError('unavailable', `cannot reach the agiqa API at ${this.baseUrl} (${(error as Error).message}); is the stack up (\`npx agiqa status\`)?`);
    }
    const text = await response.text();
    if (response.ok && as === 'text') return text as T;
    if (response.ok) return (text ? safeJson(text) : undefined) as T;
    throw errorOf(response.status, `${method} ${path}`, text);
  }
}

/** The API's error body as an AgiqaError (its code, message and details). */
function errorOf(status: number, what: string, text: string): AgiqaError {
  const parsed: unknown = text ? safeJson(text) : undefined;
  const error = (parsed as Partial<ErrorBody> | undefined)?.error;
  const code: ErrorCode = error && (ERROR_CODES as readonly string[]).includes(error.code) ? error.code : 'internal';
  return new AgiqaError(code, error?.message ?? `${what} failed with HTTP ${status}`, error?.details ?? []);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'internal', message: text.slice(0, 500) } };
  }
}
