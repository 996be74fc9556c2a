import { sha256 } from '@noble/hashes/sha2.js';

/**
 * The platform's seeded pseudo-random numbers, in one module: everything that must replay exactly
 * on every machine (splits, the synthetic dataset, training shuffles, bootstrap resamples). Pure
 * 32-bit integer arithmetic (Math.imul, shifts), so every JS engine produces the same streams;
 * the torch engine mirrors the training shuffle from this definition.
 *
 * Two seedings, one interface. They are two generators because each already defines recorded
 * results that must not move: split manifests (their item lists and hashes are stored and compared
 * across machines) and synthetic datasets come from `rngFromKey`; training shuffles and bootstrap
 * resamples from `createRng`.
 * - `rngFromKey(text)`: xoshiro128** 1.1 (Blackman & Vigna) seeded with the first 16 bytes of
 *   sha256(text). Any text key (`agiqa/split/v1:7:2`) names an independent stream.
 * - `createRng(seed, stream)`: sfc32 (Doty-Humphrey's Small Fast Counting generator) seeded from
 *   (seed, stream) through splitmix32. A pure function of its arguments, so epoch k of a resumed
 *   run sees the same order as epoch k of an uninterrupted one without saving any state.
 * sha256 comes from @noble/hashes (pure JS) because this module is shared with the browser and
 * with workflow code, where node:crypto is not available.
 */

/** A stream of uniform 32-bit integers and what is derived from them. */
export interface Rng {
  /** Uniform integer in [0, 2³²). */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number;
  /** Uniform integer in [0, n), unbiased (rejection sampling); n ≤ 2³². */
  nextInt(n: number): number;
}

const TWO_32 = 4294967296;

function rngOf(nextUint32: () => number): Rng {
  return {
    nextUint32,
    nextFloat: () => nextUint32() / TWO_32,
    nextInt(n: number) {
      if (!Number.isInteger(n) || n <= 0 || n > TWO_32) throw new RangeError(`nextInt needs 0 < n ≤ 2^32, got ${n}`);
      const limit = TWO_32 - (TWO_32 % n);
      for (;;) {
        const v = nextUint32();
        if (v < limit) return v % n;
      }
    },
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** xoshiro128** from an explicit state of four 32-bit words (an all-zero state becomes [1, 0, 0, 0]). */
export function xoshiro128FromState(state: readonly [number, number, number, number]): Rng {
  const s = Uint32Array.from(state);
  if (s.every((w) => w === 0)) s[0] = 1;
  return rngOf(() => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  });
}

/** The xoshiro128** stream named by a text key (state: sha256(key) bytes 0–15, four little-endian words). */
export function rngFromKey(key: string): Rng {
  const digest = sha256(new TextEncoder().encode(key));
  const view = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  return xoshiro128FromState([view.getUint32(0, true), view.getUint32(4, true), view.getUint32(8, true), view.getUint32(12, true)]);
}

/** splitmix32 finaliser: spreads (seed, stream) over the 128-bit state of sfc32. */
function splitmix32(state: number): [next: number, value: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** The sfc32 stream (seed, stream); different streams of one seed are independent sequences. */
export function createRng(seed: number, stream = 0): Rng {
  if (!Number.isInteger(seed) || !Number.isInteger(stream)) {
    throw new RangeError(`seed and stream must be integers (got ${seed}, ${stream})`);
  }
  let s = (seed ^ Math.imul(stream, 0x27d4eb2d)) | 0;
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [next, value] = splitmix32(s ^ Math.imul(i + 1, 0x165667b1));
    s = next;
    words.push(value | 0);
  }
  let [a, b, c, d] = words;
  const nextUint32 = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Warm-up: sfc32's first outputs are correlated with the seed words.
  for (let i = 0; i < 12; i++) nextUint32();
  return rngOf(nextUint32);
}

/** Fisher–Yates shuffle in place (from the last position down, j = nextInt(i + 1)); returns `values`. */
export function shuffle<A extends { length: number; [index: number]: unknown }>(values: A, rng: Rng): A {
  for (let i = values.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = values[i];
    values[i] = values[j];
    values[j] = tmp;
  }
  return values;
}

/** A seeded permutation of 0..n-1 (`shuffle` of the identity). */
export function permutation(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return shuffle(out, rng);
}

/**
 * Approximately standard normal: the Irwin–Hall sum of 4 uniforms, rescaled to unit variance.
 * Uses no transcendental functions (whose last bits may differ between engines), so pixel noise
 * and rating noise are bit-identical everywhere. Tails are bounded at ±√12 ≈ 3.46.
 */
export function irwinHallNormal(rng: Rng): number {
  const sum = rng.nextFloat() + rng.nextFloat() + rng.nextFloat() + rng.nextFloat();
  return (sum - 2) * Math.sqrt(3);
}
