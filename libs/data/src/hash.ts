import { createHash } from 'node:crypto';

// canonicalJson lives in @agiqa/contracts (one definition for every content hash).
export { canonicalJson } from '@agiqa/contracts';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Code-unit order: locale-independent, so sorting gives the same order on every machine. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
