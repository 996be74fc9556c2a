import { AgiqaError, type ErrorCode } from '@agiqa/contracts';
import { InvalidArgumentError } from 'commander';

/** Exit status per error code: scripts can tell bad input from a stack that is down. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  internal: 1,
  invalid_input: 2,
  not_found: 3,
  conflict: 4,
  unavailable: 5,
  unauthorized: 6,
  forbidden: 6,
};

/** Prints an error as `error: …` plus one line per problem, and returns the exit status. */
export function reportError(error: unknown, write: (line: string) => void = (l) => console.error(l)): number {
  if (error instanceof AgiqaError) {
    write(`error: ${error.message}`);
    // The message already lists short problem lists; print details only when they add lines.
    if (error.details.length > 1 || (error.details.length === 1 && !error.message.includes(error.details[0].path))) {
      for (const detail of error.details) write(`  ${detail.message.startsWith(detail.path) ? detail.message : `${detail.path}: ${detail.message}`}`);
    }
    return EXIT_CODES[error.code];
  }
  write(`error: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
}

/** Commander argument parsers that name the flag and the bad value. */
export const parse = {
  int(flag: string, min = Number.MIN_SAFE_INTEGER) {
    return (value: string): number => {
      const number = Number(value);
      if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
        throw new InvalidArgumentError(`${flag} must be an integer, got "${value}"`);
      }
      if (number < min) throw new InvalidArgumentError(`${flag} must be ≥ ${min}, got ${number}`);
      return number;
    };
  },
  number(flag: string) {
    return (value: string): number => {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number)) {
        throw new InvalidArgumentError(`${flag} must be a number, got "${value}"`);
      }
      return number;
    };
  },
  /** Comma-separated list: `a,b , c` → ['a','b','c']. Empty items are kept so validation can name them. */
  list(value: string): string[] {
    return value.split(',').map((item) => item.trim());
  },
  intList(flag: string) {
    const one = parse.int(flag);
    return (value: string): number[] => value.split(',').map((item) => one(item.trim()));
  },
};
