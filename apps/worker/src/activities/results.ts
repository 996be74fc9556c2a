import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AgiqaError, type ReportRule, type RunMetrics } from '@agiqa/contracts';

/**
 * What a finished training attempt hands to `recordResults`: written by the GPU worker next to the
 * run's checkpoints, read by a CPU worker (a shared filesystem when they are different machines), so
 * that prediction arrays never travel through Temporal payloads.
 */
export interface RunResultFile {
  runId: string;
  attempt: number;
  reportedEpoch: number;
  reportRule: ReportRule;
  optimistic: boolean;
  metrics: RunMetrics;
  backend: string;
  parameters: number;
  epochs: number;
  /** Test-set predictions at the reported epoch, by dataset item key. */
  predictions: { key: string; predicted: number; mos: number }[];
}

/** `<artifacts>/runs/<runId>/attempt-<n>`: checkpoints and the result of one attempt. */
export function attemptDir(artifacts: string, runId: string, attempt: number): string {
  return join(artifacts, 'runs', runId, `attempt-${attempt}`);
}

/** Writes the result atomically (temp file + rename): a reader sees all of it or nothing. */
export async function writeResultFile(dir: string, result: RunResultFile): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'result.json');
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(result));
  await rename(temp, path);
  return pathToFileURL(path).href;
}

export async function readResultFile(uri: string): Promise<RunResultFile> {
  const path = fileURLToPath(uri);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // Missing on this machine: the GPU and CPU workers do not share AGIQA_HOME. Retrying won't help.
    throw new AgiqaError('not_found', `result file ${path} is not readable from this worker (${(error as Error).message}); CPU and GPU workers must share AGIQA_HOME/artifacts`);
  }
  return JSON.parse(text) as RunResultFile;
}
