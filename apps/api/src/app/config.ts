import type { AgiqaEnv } from '@agiqa/contracts';

/** Injection token of the environment parsed once at boot (`EnvSchema`). */
export const API_ENV = Symbol('AgiqaEnv');

/** Injection token of `ApiInfo`. */
export const API_INFO = Symbol('ApiInfo');

/** Facts about this API process that health and OpenAPI report. */
export interface ApiInfo {
  version: string;
  /** Absolute folder of the built dashboard (`apps/dashboard/dist`). */
  dashboardDir: string;
}

export type { AgiqaEnv };
