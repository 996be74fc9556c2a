import { AgiqaError } from '@agiqa/contracts';
import { Inject, Injectable, type INestApplication } from '@nestjs/common';
import { API_INFO, type ApiInfo } from '../config.js';
import { buildOpenApiDocument } from './openapi.js';

/**
 * Serves the OpenAPI document of the controllers this app actually mounted. @nestjs/swagger reads
 * them from the application itself, which no provider can inject: `createApiApp` attaches it, and
 * the document is built on the first request (after every route is registered) and kept.
 */
@Injectable()
export class OpenApiService {
  private app: INestApplication | null = null;
  private document: Record<string, unknown> | null = null;

  constructor(@Inject(API_INFO) private readonly info: ApiInfo) {}

  attach(app: INestApplication): void {
    this.app = app;
    this.document = null;
  }

  get(): Record<string, unknown> {
    if (!this.app) throw new AgiqaError('internal', 'the OpenAPI document is built from the application, and none was attached (createApiApp attaches it)');
    this.document ??= buildOpenApiDocument(this.app, { title: 'agiqa API', version: this.info.version });
    return this.document;
  }
}
