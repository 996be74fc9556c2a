import { invalidInput, type ProblemDetail } from '@agiqa/contracts';

/** Anything indexable that holds numbers: `number[]`, `Float32Array`, `Float64Array`. */
export type NumericVector = ArrayLike<number>;

/**
 * Copies `values` into float64 after checking that every entry is finite. Float32 predictions are
 * widened before any arithmetic so that sums over thousands of items keep double precision.
 */
export function finiteVector(values: NumericVector, name: string): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw invalidInput(`${name}[${i}] is not a finite number (${String(v)})`, [
        { path: `${name}[${i}]`, message: 'must be a finite number' },
      ]);
    }
    out[i] = v;
  }
  return out;
}

/** Throws unless every value in `x` is the same; the message names the vector and the value. */
export function assertNotConstant(x: Float64Array, name: string, what = 'its correlation is undefined'): void {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return;
  throw invalidInput(`${name} is constant (every value is ${x[0]}): ${what}`, [
    { path: name, message: 'must contain at least two distinct values' },
  ]);
}

/**
 * Validates a (prediction, MOS) pair: same length, at least `minLength` items, all finite.
 * Returns float64 copies.
 */
export function pairedVectors(
  pred: NumericVector,
  mos: NumericVector,
  minLength: number,
  names: [string, string] = ['pred', 'mos'],
): [Float64Array, Float64Array] {
  if (pred.length !== mos.length) {
    throw invalidInput(`${names[0]} and ${names[1]} differ in length (${pred.length} vs ${mos.length})`, [
      { path: names[1], message: `must have ${pred.length} values, like ${names[0]}` },
    ]);
  }
  if (pred.length < minLength) {
    throw invalidInput(`need at least ${minLength} (${names[0]}, ${names[1]}) pairs, got ${pred.length}`, [
      { path: names[0], message: `must have at least ${minLength} values` },
    ]);
  }
  return [finiteVector(pred, names[0]), finiteVector(mos, names[1])];
}

/**
 * Parses a score file with one number per line (the CLI's `--pred` / `--mos` files). Blank lines
 * are skipped; every other line that is not a finite number is reported, all at once, as
 * `source:line`.
 */
export function parseScoreLines(text: string, source: string): Float64Array {
  const values: number[] = [];
  const problems: ProblemDetail[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const value = Number(line);
    if (Number.isFinite(value)) values.push(value);
    else problems.push({ path: `${source}:${index + 1}`, message: `"${line.slice(0, 40)}" is not a finite number` });
  });
  if (problems.length > 0) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more line(s))` : '';
    throw invalidInput(`${first.path}: ${first.message}${more}`, problems);
  }
  if (values.length === 0) throw invalidInput(`${source}: no numbers found (expected one number per line)`);
  return Float64Array.from(values);
}
