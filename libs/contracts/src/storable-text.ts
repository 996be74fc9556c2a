/**
 * Text PostgreSQL can store, checked where input enters (API validation, dataset validation) so
 * that bad text is a clear `invalid_input` and never a database error: `text` refuses NUL
 * characters, `jsonb` refuses lone surrogates (JSON may escape them, `"\ud800"`, but they are not
 * Unicode), and a B-tree index entry is at most 2,704 bytes.
 */

/** Longest value, in UTF-8 bytes, of a text column that is part of an index (e.g. an item key). */
export const MAX_INDEXED_TEXT_BYTES = 2_000;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What makes `text` unstorable, in a few words, or null. */
export function unstorableTextProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'a NUL character';
  if (LONE_SURROGATE.test(text)) return 'a lone surrogate (not valid Unicode)';
  return null;
}

/** Like `unstorableTextProblem`, and also too long for an index entry. */
export function unstorableIndexedTextProblem(text: string): string | null {
  const problem = unstorableTextProblem(text);
  if (problem) return problem;
  const bytes = new TextEncoder().encode(text).length;
  return bytes > MAX_INDEXED_TEXT_BYTES ? `${bytes} bytes, more than the ${MAX_INDEXED_TEXT_BYTES} an indexed value may have` : null;
}
