import type { ProblemDetail } from '@agiqa/contracts';

/** Problems sorted onto the form fields they belong to. */
export interface FieldErrors {
  /** Field name (a dotted body path such as `split.train`) → messages. */
  byField: Map<string, string[]>;
  /** Problems that name no field of the form (root-level, file:line of a dataset, unknown keys). */
  general: ProblemDetail[];
}

/**
 * Places each problem on the form field whose path is the longest prefix of the problem's path,
 * e.g. `encoders.0` on `encoders`, `split.val` on `split.val`, `grid.seeds.2` on `grid.seeds`. Item
 * indexes stay in the message (`item 3: …`) since the field is a list.
 */
export function mapFieldErrors(details: readonly ProblemDetail[] | null | undefined, fields: readonly string[]): FieldErrors {
  const byField = new Map<string, string[]>();
  const general: ProblemDetail[] = [];
  const known = [...fields].sort((a, b) => b.split('.').length - a.split('.').length);
  for (const detail of details ?? []) {
    const path = typeof detail.path === 'string' ? detail.path : '';
    const segments = path.split('.');
    const field = known.find((f) => {
      const fs = f.split('.');
      return fs.length <= segments.length && fs.every((s, i) => s === segments[i]);
    });
    if (field === undefined) {
      general.push(detail);
      continue;
    }
    const rest = segments.slice(field.split('.').length);
    const message = rest.length > 0 && /^\d+$/.test(rest[0]) ? `item ${Number(rest[0]) + 1}: ${detail.message}` : detail.message;
    byField.set(field, [...(byField.get(field) ?? []), message]);
  }
  return { byField, general };
}
