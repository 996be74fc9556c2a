import { resolve } from 'node:path';
import { AgiqaError, invalidInput, type AgiqaEnv } from '@agiqa/contracts';
import { Artifacts } from './artifacts.js';
import { FileArtifactStore } from './file-store.js';
import { LocalCache } from './local-cache.js';
import { parseArtifactLocation, type ArtifactLocation } from './location.js';
import { S3ArtifactStore, type S3Settings } from './s3-store.js';
import type { ArtifactStore } from './store.js';

const GiB = 1024 ** 3;

/** The environment variables the store reads (a subset of EnvSchema). */
export type ArtifactEnv = Pick<
  AgiqaEnv,
  | 'AGIQA_ARTIFACTS'
  | 'AGIQA_ARTIFACT_CACHE_GB'
  | 'AGIQA_S3_FORCE_PATH_STYLE'
  | 'AWS_ENDPOINT_URL_S3'
  | 'AWS_ENDPOINT_URL'
  | 'AWS_REGION'
  | 'AWS_DEFAULT_REGION'
  | 'AWS_ACCESS_KEY_ID'
  | 'AWS_SECRET_ACCESS_KEY'
  | 'AWS_SESSION_TOKEN'
>;

export interface ArtifactsConfig {
  location: ArtifactLocation;
  /** Connection of an `s3://` location (bucket and prefix come from the location). */
  s3?: Omit<S3Settings, 'bucket' | 'prefix'>;
  /** This process's local cache of a remote store (`<AGIQA_HOME>/cache/artifacts`). */
  cacheDir: string;
  cacheMaxBytes: number;
}

/** Reads the store's configuration from the parsed environment; `home` is the resolved AGIQA_HOME. */
export function artifactsConfigFromEnv(env: ArtifactEnv, home: string): ArtifactsConfig {
  const location = parseArtifactLocation(env.AGIQA_ARTIFACTS, home);
  const config: ArtifactsConfig = {
    location,
    cacheDir: resolve(home, 'cache', 'artifacts'),
    cacheMaxBytes: Math.round(env.AGIQA_ARTIFACT_CACHE_GB * GiB),
  };
  if (location.kind !== 's3') return config;
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  if (Boolean(env.AWS_ACCESS_KEY_ID) !== Boolean(env.AWS_SECRET_ACCESS_KEY)) {
    throw invalidInput('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together', [
      { path: env.AWS_ACCESS_KEY_ID ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID', message: 'missing' },
    ]);
  }
  config.s3 = {
    ...(endpoint ? { endpoint } : {}),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: env.AGIQA_S3_FORCE_PATH_STYLE ?? endpoint !== undefined,
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
            ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
  };
  return config;
}

/** The store a configuration names, with the local cache a remote store needs. */
export function openArtifacts(config: ArtifactsConfig): Artifacts {
  return new Artifacts(openStore(config), config.location.kind === 'file' ? undefined : new LocalCache(config.cacheDir, config.cacheMaxBytes));
}

export function openStore(config: Pick<ArtifactsConfig, 'location' | 's3'>): ArtifactStore {
  const { location } = config;
  if (location.kind === 'file') return new FileArtifactStore(location.root);
  if (!config.s3) throw new AgiqaError('internal', `${location.bucket}: an s3:// store needs connection settings`);
  return new S3ArtifactStore({ ...config.s3, bucket: location.bucket, prefix: location.prefix });
}
