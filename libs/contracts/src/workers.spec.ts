import { describe, expect, it } from 'vitest';
import { parseWorkerIdentity, workerIdentity } from './workers.js';

describe(workerIdentity.name, () => {
  it('writes an identity that parses back, and keeps what a foreign identity says', () => {
    const identity = workerIdentity({ pid: 4711, host: 'gpu-node-3', role: 'gpu', engine: 'tfjs', backend: 'wasm', device: 'cpu' });
    expect(identity).toBe('4711@gpu-node-3 role=gpu engine=tfjs backend=wasm device=cpu');
    expect(parseWorkerIdentity(identity)).toEqual({ identity, pid: 4711, host: 'gpu-node-3', role: 'gpu', engine: 'tfjs', backend: 'wasm', device: 'cpu' });
    expect(parseWorkerIdentity('12@box')).toEqual({ identity: '12@box', pid: 12, host: 'box' });
    expect(parseWorkerIdentity('some-other-sdk')).toEqual({ identity: 'some-other-sdk' });
  });
});
