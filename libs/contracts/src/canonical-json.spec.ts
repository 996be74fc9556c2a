import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe(canonicalJson.name, () => {
  it('sorts keys at every level and agrees with JSON.stringify otherwise', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"e":2,"f":1}]},"b":1}');
    const value = { z: [1.5, null, undefined, 'é'], y: undefined, x: true };
    expect(canonicalJson(value)).toBe(JSON.stringify({ x: true, z: [1.5, null, undefined, 'é'] }));
  });
});
