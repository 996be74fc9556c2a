import { readFileSync } from 'node:fs';
import { invalidInput } from '@agiqa/contracts';

/**
 * Reads a `--pred` / `--mos` score file: one number per line, every bad line reported with its
 * file and line (parsing is libs/model's `parseScoreLines`; this only adds the file I/O).
 */
export async function readScoreFile(path: string, flag: string): Promise<Float64Array> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw invalidInput(`${flag} ${path}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  // Loaded lazily: @agiqa/model pulls in tfjs and onnxruntime, which most commands never need.
  const { parseScoreLines } = await import('@agiqa/model');
  return parseScoreLines(text, path);
}
