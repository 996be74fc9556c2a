/**
 * CORS and CSRF in one place. The dashboard is served by the API itself, so its origin is the
 * API's own; `AGIQA_CORS_ORIGINS` adds others (a dashboard served elsewhere, e.g. Vite's dev
 * server). The rules:
 *
 * - A preflight (`OPTIONS` with `Access-Control-Request-Method`) from an allowed origin gets 204
 *   with the methods and headers the API accepts; from any other origin a 403 without CORS
 *   headers, so the browser never sends the request.
 * - Responses to an allowed origin carry `Access-Control-Allow-Origin` for it (and `Vary: Origin`).
 * - A state-changing request (POST, PUT, PATCH, DELETE) whose `Origin` is not allowed, or that has
 *   no `Origin` but a `Sec-Fetch-Site` of `cross-site` or `same-site`, is refused with 403, with
 *   or without a token: a page of another site must never change anything. (A body-less POST is a
 *   "simple" request that browsers send without a preflight: before this, one from another origin
 *   cancelled a sweep.) Requests without either header are not from a browser page (the CLI,
 *   curl) and are left to the access rule (tokens, loopback).
 *
 * Hand-written rather than the `cors` package: the CSRF half (refusing cross-site writes by
 * `Origin` / `Sec-Fetch-Site`) is the part that matters here, and it shares the origin check.
 */
import { AgiqaError } from '@agiqa/contracts';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
const ALLOWED_HEADERS = 'authorization, content-type, accept';
/** How long a browser may cache a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE_S = 600;

/** The request's own origin as a browser would spell it: scheme + Host header. */
function ownOrigin(request: Request): string | null {
  const host = request.headers.host;
  return host ? `${request.protocol}://${host}`.toLowerCase() : null;
}

/** Whether `origin` may call the API from a browser: the API's own origin or a configured one. */
export function originAllowed(origin: string, request: Request, extra: ReadonlySet<string>): boolean {
  const normalised = origin.toLowerCase();
  return normalised === ownOrigin(request) || extra.has(normalised);
}

/**
 * Why a request must be refused as cross-site, or null. Only state-changing methods are refused:
 * a cross-site read cannot be read back by the page without CORS headers.
 */
export function crossSiteWriteRefusal(request: Request, extra: ReadonlySet<string>): string | null {
  if (!WRITE_METHODS.has(request.method)) return null;
  const origin = request.headers.origin;
  if (origin !== undefined) {
    return originAllowed(origin, request, extra) ? null : `Origin ${origin} is not allowed to change anything here`;
  }
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return `a ${site} request (Sec-Fetch-Site) may not change anything here`;
  return null;
}

/** The middleware: preflights, CORS headers, and the cross-site write refusal. */
export function crossOriginPolicy(extraOrigins: readonly string[]): RequestHandler {
  const extra = new Set(extraOrigins.map((o) => o.toLowerCase()));
  const hint = 'only the dashboard\'s own origin (and AGIQA_CORS_ORIGINS) may';
  return (request: Request, response: Response, next: NextFunction) => {
    const origin = request.headers.origin;
    const allowed = origin !== undefined && originAllowed(origin, request, extra);
    if (allowed) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.vary('Origin');
    }
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      if (!allowed) return next(new AgiqaError('forbidden', `preflight refused: ${origin ?? 'a page without an Origin'} is not allowed (${hint} call this API)`));
      response.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      response.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      response.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_S));
      response.status(204).end();
      return;
    }
    const refusal = crossSiteWriteRefusal(request, extra);
    if (refusal) return next(new AgiqaError('forbidden', `cross-site request refused: ${refusal} (${hint} make changes)`));
    next();
  };
}
