import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { invalidInput } from '@agiqa/contracts';

/** Where the artefact store lives, parsed from `AGIQA_ARTIFACTS`. */
export type ArtifactLocation =
  | { kind: 'file'; /** Absolute folder. */ root: string }
  | { kind: 's3'; bucket: string; /** Key prefix inside the bucket, without leading or trailing `/` ('' for none). */ prefix: string };

// S3 bucket naming rules (the subset every S3-compatible service accepts).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses `AGIQA_ARTIFACTS`: `file:///absolute/folder` or `s3://bucket[/prefix]`. Unset, the store is
 * the folder `<home>/artifacts` (the embedded default, no object store needed).
 */
export function parseArtifactLocation(value: string | undefined, home: string): ArtifactLocation {
  if (value === undefined || value === '') return { kind: 'file', root: resolve(home, 'artifacts') };
  const fail = (why: string) =>
    invalidInput(`AGIQA_ARTIFACTS="${value}" ${why} (expected file:///absolute/folder or s3://bucket/prefix)`, [
      { path: 'AGIQA_ARTIFACTS', message: why },
    ]);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw fail('is not a URL');
  }
  if (url.protocol === 'file:') {
    if (url.host !== '' && url.host !== 'localhost') throw fail('names a host; a file store is a local (or mounted) folder');
    const root = fileURLToPath(url);
    if (!isAbsolute(root)) throw fail('is not an absolute folder');
    return { kind: 'file', root: root.replace(/\/+$/, '') || '/' };
  }
  if (url.protocol === 's3:') {
    if (!BUCKET.test(url.hostname)) throw fail(`names bucket "${url.hostname}", which is not a valid S3 bucket name`);
    if (url.search || url.hash || url.username || url.password || url.port) throw fail('has parts an S3 location cannot have (query, fragment, credentials or port)');
    // Checked on the raw text: URL() would resolve "a/../b" to "b".
    const rawPrefix = value.slice(`s3://${url.hostname}`.length).replace(/^\/+|\/+$/g, '');
    if (rawPrefix !== '' && rawPrefix.split('/').some((s) => s === '' || s === '.' || s === '..')) throw fail('has an empty, "." or ".." segment in its prefix');
    const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
    return { kind: 's3', bucket: url.hostname, prefix };
  }
  throw fail(`has scheme ${url.protocol.replace(':', '')}`);
}

/** The location as a URI, for messages and the operator view (never stored in rows). */
export function formatArtifactLocation(location: ArtifactLocation): string {
  if (location.kind === 'file') return pathToFileURL(location.root).href;
  return `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
}
