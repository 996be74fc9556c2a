import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { invalidInput, TFJS_BACKENDS, type TfjsBackendName } from '@agiqa/contracts';
import * as tf from '@tensorflow/tfjs';

/** One backend the probe tried; `error` says why it was skipped. */
export interface BackendAttempt {
  name: TfjsBackendName;
  error?: string;
}

export interface TfjsBackendInit {
  /** The backend now active in tfjs; recorded in every run row. */
  name: TfjsBackendName;
  /** Every backend tried, in order, up to and including the one chosen. */
  tried: BackendAttempt[];
}

interface BackendCandidate {
  /** Name tfjs registers the backend under (both native packages register `tensorflow`). */
  tfName: string;
  /** Loads the package that registers the backend; throws when it is not installed or broken. */
  load(): Promise<void>;
}

const require = createRequire(import.meta.url);

/**
 * Imports an optional package by a computed name so that neither TypeScript nor a bundler insists
 * on it being installed (tfjs-node and tfjs-node-gpu are optionalDependencies whose install
 * script downloads libtensorflow, which fails offline).
 */
async function importOptional(specifier: string): Promise<void> {
  await import(specifier);
}

/**
 * The native packages `require('@tensorflow/tfjs')` and register their backend on the
 * tfjs-core they resolve. If that is another copy than ours (a version mismatch that npm could
 * not dedupe), our engine never sees the backend, and using it would silently split tensors
 * across two engines; refuse instead.
 */
function assertRegisteredOnOurCore(pkg: string): void {
  if (tf.findBackendFactory('tensorflow') == null) {
    throw new Error(
      `${pkg} loaded but registered its backend on a different @tensorflow/tfjs-core instance than @agiqa/model uses ` +
        `(versions differ: align ${pkg} with @tensorflow/tfjs ${tf.version.tfjs} and run npm dedupe)`,
    );
  }
}

/** How to load each backend, keyed by the names in `TFJS_BACKENDS` (order: GPU → native → wasm → cpu). */
const CANDIDATES: Record<TfjsBackendName, BackendCandidate> = {
  'tensorflow-gpu': {
    tfName: 'tensorflow',
    async load() {
      await importOptional('@tensorflow/tfjs-node-gpu');
      assertRegisteredOnOurCore('@tensorflow/tfjs-node-gpu');
    },
  },
  tensorflow: {
    tfName: 'tensorflow',
    async load() {
      await importOptional('@tensorflow/tfjs-node');
      assertRegisteredOnOurCore('@tensorflow/tfjs-node');
    },
  },
  wasm: {
    tfName: 'wasm',
    async load() {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // Node has no fetch of relative URLs: point the loader at the .wasm files on disk. SIMD is
      // detected and used by the backend (Node 20 supports it); the threaded build needs Web
      // Workers with SharedArrayBuffer, which the backend cannot start in Node, so it runs on one
      // thread (and is deterministic for that reason too).
      const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
      wasm.setWasmPaths(dist);
    },
  },
  cpu: {
    tfName: 'cpu',
    async load() {
      // Bundled with @tensorflow/tfjs; always registered.
    },
  },
};

let active: TfjsBackendName | null = null;

/**
 * Picks the tfjs backend at start-up: `preferred` first when given, then the default order
 * tfjs-node-gpu → tfjs-node → wasm → cpu. Each candidate is loaded by dynamic import, so a missing
 * optional package is recorded as skipped rather than crashing the process. Returns the backend
 * chosen and why each earlier one was skipped.
 *
 * Note: tfjs-node-gpu runs on the CPU when CUDA is missing at run time without failing here; its
 * name records what was loaded, the worker's machine info records the GPU.
 */
export async function initTfjsBackend(preferred?: TfjsBackendName): Promise<TfjsBackendInit> {
  if (preferred !== undefined && !(TFJS_BACKENDS as readonly string[]).includes(preferred)) {
    throw invalidInput(`unknown tfjs backend "${String(preferred)}"; valid: ${TFJS_BACKENDS.join(', ')}`, [
      { path: 'backend', message: `one of ${TFJS_BACKENDS.join(', ')}` },
    ]);
  }
  const order = preferred === undefined ? [...TFJS_BACKENDS] : [preferred, ...TFJS_BACKENDS.filter((b) => b !== preferred)];
  const tried: BackendAttempt[] = [];
  for (const name of order) {
    const candidate = CANDIDATES[name];
    try {
      await candidate.load();
      if (!(await tf.setBackend(candidate.tfName))) {
        throw new Error(`tf.setBackend('${candidate.tfName}') returned false (backend failed to initialise)`);
      }
      await tf.ready();
      tried.push({ name });
      active = name;
      return { name, tried };
    } catch (error) {
      tried.push({ name, error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
    }
  }
  // Unreachable in practice: cpu ships with @tensorflow/tfjs.
  throw new Error(`no tfjs backend could be initialised: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
}

/**
 * The backend to record for a run: the one `initTfjsBackend` chose if it is still active,
 * otherwise tfjs's own name for the active backend (e.g. when a caller set it directly).
 */
export function activeTfjsBackend(): string {
  const current = tf.getBackend();
  if (active !== null && CANDIDATES[active].tfName === current) return active;
  return current;
}

/**
 * True only when the active backend is tfjs-node-gpu and libtensorflow really placed its work on a
 * GPU (`isUsingGpuDevice`). tfjs-node-gpu loads without CUDA and then computes on the CPU under the
 * same backend name, so the name alone proves nothing.
 */
export function tfjsUsesGpu(): boolean {
  const backend = tf.backend() as { isGPUPackage?: boolean; isUsingGpuDevice?: boolean };
  return backend.isGPUPackage === true && backend.isUsingGpuDevice === true;
}
