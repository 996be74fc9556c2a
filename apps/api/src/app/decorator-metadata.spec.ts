import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { DatabaseService } from './database/database.service.js';
import { SweepsController } from './sweeps/sweeps.controller.js';
import { CreateSweepDto, ListSweepsQueryDto } from './sweeps/sweeps.dto.js';
import { SweepsService } from './sweeps/sweeps.service.js';
import { TemporalService } from './temporal/temporal.service.js';

// Nest injects constructor arguments and the validation pipe finds zod DTOs by the types that
// `emitDecoratorMetadata` records. Vitest's default transform (esbuild) records none; swc does.
describe('decorator metadata in tests (unplugin-swc)', () => {
  it('records constructor parameter types for dependency injection', () => {
    // The settings (an interface, recorded as Object) are injected by their token (@Inject(API_ENV)).
    expect(Reflect.getMetadata('design:paramtypes', SweepsService)).toEqual([DatabaseService, TemporalService, Object]);
  });

  it('records handler parameter types, which carry the zod DTOs', () => {
    expect(Reflect.getMetadata('design:paramtypes', SweepsController.prototype, 'create')).toEqual([CreateSweepDto]);
    expect(Reflect.getMetadata('design:paramtypes', SweepsController.prototype, 'list')).toEqual([ListSweepsQueryDto]);
  });
});
