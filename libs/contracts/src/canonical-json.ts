/**
 * JSON with object keys sorted at every level (code-unit order, locale-independent): the same
 * value always serialises to the same bytes, whatever order its keys were inserted in, on every
 * machine. Numbers use JavaScript's shortest round-trip form. Like JSON.stringify, undefined
 * properties are left out and undefined array items become null. Content hashes (dataset
 * content, split manifests, feature cache keys) and setting comparisons are built on it.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
