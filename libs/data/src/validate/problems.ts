import { invalidInput, type AgiqaError, type ProblemDetail } from '@agiqa/contracts';

/**
 * Where a problem sits in a dataset: a file (relative to the dataset root), a line (1-based; for
 * .mat files the 1-based row of the matrix, for JSON manifests `items[i]`) and a field (column,
 * variable or JSON key). Rendered as `file:line:field` in `ProblemDetail.path`.
 */
export interface Location {
  file: string;
  line?: number | string;
  field?: string;
}

export function locationPath(at: Location): string {
  return [at.file, at.line, at.field].filter((part) => part !== undefined && part !== '').join(':');
}

/**
 * Collects every problem a dataset has before anything is reported, so that `validate` lists all
 * of them at once and a load either succeeds whole or fails naming everything that is wrong.
 */
export class ProblemCollector {
  readonly problems: ProblemDetail[] = [];

  add(at: Location, message: string): void {
    this.problems.push({ path: locationPath(at), message });
  }

  get count(): number {
    return this.problems.length;
  }

  /** An `invalid_input` error whose message names the first problems and whose details hold all. */
  toError(what: string): AgiqaError {
    const shown = this.problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`);
    const more = this.problems.length > shown.length ? `; … and ${this.problems.length - shown.length} more` : '';
    const noun = this.problems.length === 1 ? 'problem' : 'problems';
    return invalidInput(`${what}: ${this.problems.length} ${noun}: ${shown.join('; ')}${more}`, [...this.problems]);
  }

  throwIfAny(what: string): void {
    if (this.problems.length > 0) throw this.toError(what);
  }
}

/**
 * Parses a MOS / std cell. Empty or non-numeric text is a problem at `at`; returns undefined then.
 * Accepts what spreadsheets and pandas write (`3.2`, `-1e-3`, ` 4 `), nothing else (`3,2`, `NaN`).
 */
export function parseNumberCell(text: string, at: Location, problems: ProblemCollector): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') {
    problems.add(at, 'empty; expected a number');
    return undefined;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) {
    problems.add(at, `not a number: ${JSON.stringify(trimmed)}`);
    return undefined;
  }
  return Number(trimmed);
}
