import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { API_INFO, type ApiInfo } from '../config.js';
import { API_PREFIX } from '../prefix.js';
import { buildOpenApiDocument, readRoutes, type ControllerClass } from './openapi.js';

/** Serves the OpenAPI document of the controllers this app actually mounted. */
@Injectable()
export class OpenApiService {
  private document: Record<string, unknown> | null = null;

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(API_INFO) private readonly info: ApiInfo,
  ) {}

  get(): Record<string, unknown> {
    this.document ??= buildOpenApiDocument(
      readRoutes(
        this.discovery.getControllers().flatMap((wrapper) => (typeof wrapper.metatype === 'function' ? [wrapper.metatype as ControllerClass] : [])),
        API_PREFIX,
      ),
      { title: 'agiqa API', version: this.info.version },
    );
    return this.document;
  }
}
