import { invalidInput } from '@agiqa/contracts';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { AppModule } from './app.module.js';
import type { CoreDeps } from './core.module.js';
import { dashboardMiddleware } from './dashboard/dashboard.js';
import { OpenApiService } from './openapi/openapi.service.js';
import { toErrorResponse } from './errors/error-mapping.js';
import { API_PREFIX } from './prefix.js';
import { crossOriginPolicy } from './security/cross-origin.js';

export interface CreateApiOptions {
  /** `false` silences Nest's logger (tests); default: Nest's console logger. */
  logger?: false;
}

/**
 * Builds the API application (not yet listening): routes under `/api`, JSON bodies parsed here so
 * that a malformed body is a 400 in the API's error format, the dashboard at `/`.
 */
export async function createApiApp(deps: CoreDeps, options: CreateApiOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(deps), {
    bodyParser: false,
    abortOnError: false,
    ...(options.logger === false ? { logger: false } : {}),
  });
  app.setGlobalPrefix(API_PREFIX);
  app.get(OpenApiService).attach(app);
  app.disable('x-powered-by');
  // The largest body is a deployment setting (AGIQA_API_MAX_BODY_BYTES; a grid spec is a few hundred bytes).
  const maxBody = deps.env.AGIQA_API_MAX_BODY_BYTES;
  app.use(crossOriginPolicy(deps.env.AGIQA_CORS_ORIGINS), requireJsonBody, express.json({ limit: maxBody, strict: true }), bodyErrorHandler(maxBody));
  app.use(dashboardMiddleware(deps.info.dashboardDir));
  return app;
}

/** A request that carries a body must say it is JSON; otherwise it would reach validation as `{}`. */
function requireJsonBody(request: Request, _response: Response, next: NextFunction): void {
  const length = Number(request.headers['content-length'] ?? 0);
  const hasBody = length > 0 || request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !request.is('application/json')) {
    next(
      invalidInput(`request body must be JSON: send Content-Type: application/json (got ${request.headers['content-type'] ?? 'none'})`, [
        { path: '(body)', message: 'Content-Type must be application/json' },
      ]),
    );
    return;
  }
  next();
}

/**
 * Express-level errors (cross-site refusals, body parsing) in the same format and status mapping as the exception
 * filter; a body over the limit is a 400 that names the limit.
 */
function bodyErrorHandler(maxBody: number) {
  return (error: unknown, _request: Request, response: Response, next: NextFunction): void => {
    if (response.headersSent) return next(error);
    const { status, body } = toErrorResponse(tooLarge(error, maxBody) ?? error);
    response.status(status).json(body);
  };
}

function tooLarge(error: unknown, maxBody: number): Error | null {
  if ((error as { type?: unknown } | null)?.type !== 'entity.too.large') return null;
  const length = (error as { length?: unknown }).length;
  return invalidInput(
    `request body${typeof length === 'number' ? ` of ${length} bytes` : ''} is larger than the limit of ${maxBody} bytes (AGIQA_API_MAX_BODY_BYTES)`,
    [{ path: '(body)', message: `more than ${maxBody} bytes` }],
  );
}
