import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_PREFIX } from '../prefix.js';

/**
 * Where the built dashboard is: the `@agiqa/dashboard` workspace package's `dist/`, found through
 * module resolution, else `apps/dashboard/dist` relative to this file (same depth in src/ and dist/).
 */
export function resolveDashboardDir(): string {
  try {
    const manifest = createRequire(import.meta.url).resolve('@agiqa/dashboard/package.json');
    return join(dirname(manifest), 'dist');
  } catch {
    return fileURLToPath(new URL('../../../../dashboard/dist', import.meta.url));
  }
}

const NOT_BUILT_PAGE = (dir: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>agiqa: dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The agiqa dashboard is not built yet</h1>
<p>The API is running, but <code>${escapeHtml(dir)}/index.html</code> does not exist. Build the dashboard from the
repository root, then reload this page:</p>
<pre>npx nx run @agiqa/dashboard:build</pre>
<p>Meanwhile the API answers under <a href="/${API_PREFIX}/health">/${API_PREFIX}/health</a>;
its OpenAPI document is at <a href="/${API_PREFIX}/openapi.json">/${API_PREFIX}/openapi.json</a>.</p>
</body></html>
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/**
 * Serves the dashboard at `/`: its files, and `index.html` for any other page path (client-side
 * routes) that has no file extension. Paths under `/api` always go on to the API. Whether the
 * dashboard is built is checked per request, so building it while the API runs is enough.
 */
export function dashboardMiddleware(dir: string): RequestHandler {
  const files = express.static(dir, { index: 'index.html', fallthrough: true, maxAge: 0 });
  const index = join(dir, 'index.html');
  const apiRoot = `/${API_PREFIX}`;
  return (request: Request, response: Response, next: NextFunction) => {
    const path = request.path;
    if (path === apiRoot || path.startsWith(`${apiRoot}/`)) return next();
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    if (!existsSync(index)) {
      if (extname(path) !== '') return next();
      response.status(200).type('html').send(NOT_BUILT_PAGE(dir));
      return;
    }
    files(request, response, () => {
      if (extname(path) !== '') return next();
      response.sendFile(index, { headers: { 'cache-control': 'no-cache' } });
    });
  };
}
