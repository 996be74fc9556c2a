import { createHash } from 'node:crypto';

/**
 * xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c): 32-bit
 * integer arithmetic only (Math.imul, shifts), so every machine and JS engine produces the same
 * stream. Seeded from the first 16 bytes of sha256(key): any text key (`agiqa/split/v1:7:2`) gives
 * an independent, well-mixed state, and no state is all zeros in practice (checked anyway).
 */
export class Xoshiro128 {
  private readonly s = new Uint32Array(4);

  private constructor(state: Uint32Array) {
    this.s.set(state);
    if (this.s.every((w) => w === 0)) this.s[0] = 1;
  }

  /** A stream from an explicit state (four 32-bit words), e.g. to compare with the reference C code. */
  static fromState(state: readonly [number, number, number, number]): Xoshiro128 {
    return new Xoshiro128(Uint32Array.from(state));
  }

  /** The stream for a text key. */
  static fromKey(key: string): Xoshiro128 {
    const digest = createHash('sha256').update(key, 'utf8').digest();
    return new Xoshiro128(new Uint32Array([digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)]));
  }

  /** Next uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform integer in [0, n), without modulo bias (rejection sampling). */
  nextBelow(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) throw new RangeError(`nextBelow needs an integer in 1..2^32, got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** Uniform float in [0, 1) with 32 bits of resolution. */
  nextFloat(): number {
    return this.nextUint32() / 2 ** 32;
  }

  /**
   * Approximately standard normal: the Irwin–Hall sum of 4 uniforms, rescaled to unit variance.
   * Uses no transcendental functions (whose last bits may differ between engines), so pixel noise
   * and rating noise are bit-identical everywhere. Tails are bounded at ±√12 ≈ 3.46.
   */
  nextGaussian(): number {
    const sum = this.nextFloat() + this.nextFloat() + this.nextFloat() + this.nextFloat();
    return (sum - 2) * Math.sqrt(3);
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(values: T[]): T[] {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.nextBelow(i + 1);
      const tmp = values[i];
      values[i] = values[j];
      values[j] = tmp;
    }
    return values;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
