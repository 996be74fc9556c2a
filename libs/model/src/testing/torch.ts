import { AgiqaError } from '@agiqa/contracts';
import { findTorchPython } from '../engines/torch-python.js';

export type TorchAvailability = { ok: true; python: string; reason: string } | { ok: false; reason: string };

/**
 * Whether suites that need the torch engine can run: a Python from `AGIQA_PYTHON` or the project
 * venv (`bash tools/setup-python.sh`). Without one they skip with the reason; with
 * `AGIQA_REQUIRE_PYTHON=1` (CI) this throws, so they fail instead of skipping.
 */
export function torchAvailable(env: NodeJS.ProcessEnv = process.env): TorchAvailability {
  let found: ReturnType<typeof findTorchPython>;
  let reason = 'no AGIQA_PYTHON and no tools/.venv (run bash tools/setup-python.sh)';
  try {
    found = findTorchPython({ AGIQA_PYTHON: env['AGIQA_PYTHON'] || undefined });
  } catch (error) {
    found = null;
    reason = (error as Error).message;
  }
  if (found === null && env['AGIQA_REQUIRE_PYTHON'] === '1') {
    throw new AgiqaError('unavailable', `AGIQA_REQUIRE_PYTHON=1 but the torch engine has no Python: ${reason}`);
  }
  return found === null ? { ok: false, reason } : { ok: true, python: found.python, reason: `${found.source}: ${found.python}` };
}
