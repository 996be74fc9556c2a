import { describe, expect, it } from 'vitest';
import { AgiqaError } from '@agiqa/contracts';
import { formatArtifactLocation, parseArtifactLocation } from './location.js';
import { artifactsConfigFromEnv } from './open.js';
import { artifactKeys, assertKey } from './keys.js';

const env = (over: Record<string, unknown> = {}) => ({ AGIQA_ARTIFACT_CACHE_GB: 1, ...over }) as Parameters<typeof artifactsConfigFromEnv>[0];

describe(parseArtifactLocation.name, () => {
  it('defaults to the artifacts folder under AGIQA_HOME', () => {
    expect(parseArtifactLocation(undefined, '/data/home')).toEqual({ kind: 'file', root: '/data/home/artifacts' });
  });

  it('reads file:// folders and s3:// buckets with prefixes', () => {
    expect(parseArtifactLocation('file:///mnt/store/', '/h')).toEqual({ kind: 'file', root: '/mnt/store' });
    expect(parseArtifactLocation('s3://agiqa-runs/team/a/', '/h')).toEqual({ kind: 's3', bucket: 'agiqa-runs', prefix: 'team/a' });
    expect(parseArtifactLocation('s3://agiqa-runs', '/h')).toEqual({ kind: 's3', bucket: 'agiqa-runs', prefix: '' });
    expect(formatArtifactLocation({ kind: 's3', bucket: 'b-1', prefix: 'p' })).toBe('s3://b-1/p');
  });

  it.each([
    ['/plain/path', 'is not a URL'],
    ['https://example.com/x', 'has scheme https'],
    ['file://otherhost/x', 'names a host'],
    ['s3://Bad_Bucket/x', 'not a valid S3 bucket name'],
    ['s3://bucket/a/../b', '".." segment'],
    ['s3://user:pw@bucket/x', 'credentials'],
  ])('refuses %s naming AGIQA_ARTIFACTS', (value, why) => {
    let error: unknown;
    try {
      parseArtifactLocation(value, '/h');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgiqaError);
    expect((error as AgiqaError).code).toBe('invalid_input');
    expect((error as AgiqaError).message).toContain('AGIQA_ARTIFACTS');
    expect((error as AgiqaError).message).toContain(why);
  });
});

describe(artifactsConfigFromEnv.name, () => {
  it('takes endpoint, region and credentials from the standard AWS variables, path-style for custom endpoints', () => {
    const config = artifactsConfigFromEnv(
      env({ AGIQA_ARTIFACTS: 's3://b-1/p', AWS_ENDPOINT_URL: 'http://other:1', AWS_ENDPOINT_URL_S3: 'http://s3:9000', AWS_DEFAULT_REGION: 'eu-west-3', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' }),
      '/h',
    );
    expect(config.s3).toEqual({ endpoint: 'http://s3:9000', region: 'eu-west-3', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 's' } });
    expect(config.cacheDir).toBe('/h/cache/artifacts');
    expect(config.cacheMaxBytes).toBe(1024 ** 3);
  });

  it('uses virtual-hosted addressing and the default credential chain on AWS itself unless told otherwise', () => {
    expect(artifactsConfigFromEnv(env({ AGIQA_ARTIFACTS: 's3://b-1' }), '/h').s3).toEqual({ region: 'us-east-1', forcePathStyle: false });
    expect(artifactsConfigFromEnv(env({ AGIQA_ARTIFACTS: 's3://b-1', AGIQA_S3_FORCE_PATH_STYLE: true }), '/h').s3?.forcePathStyle).toBe(true);
  });

  it('refuses half a key pair', () => {
    expect(() => artifactsConfigFromEnv(env({ AGIQA_ARTIFACTS: 's3://b-1', AWS_ACCESS_KEY_ID: 'a' }), '/h')).toThrow(/AWS_SECRET_ACCESS_KEY/);
  });
});

describe(assertKey.name, () => {
  it.each(['', '/abs', 'a//b', 'a/../b', './a', 'a/', 'sp ace', 'a\\b'])('refuses %j', (key) => {
    expect(() => assertKey(key)).toThrow(/not a store-relative key/);
  });

  it('lays artefacts out by kind', () => {
    expect(artifactKeys.checkpoint('r1', 2)).toBe('runs/r1/attempt-2/checkpoints/latest.ckpt');
    expect(artifactKeys.result('r1', 2)).toBe('runs/r1/attempt-2/result.json');
    expect(artifactKeys.featureSet('ab12')).toBe('features/ab12');
  });
});
