import { ArgumentsHost, Catch, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorResponse } from './error-mapping.js';

/**
 * Global filter: every error leaves the API as `{ error: { code, message, details? } }` with the
 * status `HTTP_STATUS` assigns to its code. Unexpected failures are logged with their stack, an
 * unreachable dependency with its message.
 */
@Catch()
export class AgiqaExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('api');

  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body } = toErrorResponse(exception);
    if (body.error.code === 'unavailable') {
      this.logger.warn(body.error.message);
    } else if (status >= 500) {
      const detail = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
      this.logger.error(`${body.error.code}: ${detail}`);
    }
    const response = host.switchToHttp().getResponse<Response>();
    if (response.headersSent) return;
    response.status(status).json(body);
  }
}
