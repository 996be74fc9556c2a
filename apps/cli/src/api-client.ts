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

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
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
    const parsed: unknown = text ? safeJson(text) : undefined;
    if (response.ok) return parsed as T;
    const error = (parsed as Partial<ErrorBody> | undefined)?.error;
    const code: ErrorCode = error && (ERROR_CODES as readonly string[]).includes(error.code) ? error.code : 'internal';
    throw new AgiqaError(code, error?.message ?? `${method} ${path} failed with HTTP ${response.status}`, error?.details ?? []);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: 'internal', message: text.slice(0, 500) } };
  }
}
