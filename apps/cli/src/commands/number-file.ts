import { readFileSync } from 'node:fs';
import { invalidInput, type ProblemDetail } from '@agiqa/contracts';

/**
 * Reads a file of one number per line (blank lines ignored). Every bad line is reported with its
 * file and line number, all at once.
 */
export function readNumberFile(path: string, flag: string): number[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalidInput(`${flag} ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const values: number[] = [];
  const problems: ProblemDetail[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const value = Number(line);
    if (!Number.isFinite(value)) problems.push({ path: `${path}:${index + 1}`, message: `not a number: "${line.slice(0, 40)}"` });
    else values.push(value);
  });
  if (problems.length > 0) {
    throw invalidInput(`${flag} ${path}: ${problems.length} line(s) are not numbers`, problems);
  }
  if (values.length === 0) throw invalidInput(`${flag} ${path}: the file has no numbers`);
  return values;
}
