/**
 * Seeded pseudo-random numbers for everything that must replay exactly: bootstrap resamples and
 * the per-epoch shuffles of training. A generator is a pure function of (seed, stream), so epoch
 * k of a resumed run sees the same order as epoch k of an uninterrupted one without saving any
 * generator state.
 */

/** splitmix32 finaliser: spreads (seed, stream) over the 128-bit state of sfc32. */
function splitmix32(state: number): [next: number, value: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

export interface Rng {
  /** Uniform integer in [0, 2³²). */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number;
  /** Uniform integer in [0, n), unbiased (rejection sampling); n ≤ 2³². */
  nextInt(n: number): number;
}

/**
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, PractRand-clean) seeded from
 * (seed, stream) through splitmix32. Different streams of one seed are independent sequences.
 */
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
  return {
    nextUint32,
    nextFloat: () => nextUint32() / 4294967296,
    nextInt(n: number) {
      if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new RangeError(`nextInt needs 0 < n ≤ 2^32, got ${n}`);
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const v = nextUint32();
        if (v < limit) return v % n;
      }
    },
  };
}

/** A seeded Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
