import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../backend/backend.js';
import { Adam } from './adam.js';

beforeAll(async () => {
  await initTfjsBackend('wasm');
});

/** A small least-squares problem: loss(w) = mean((X·w − y)²). */
function problem() {
  const x = tf.randomNormal([20, 3], 0, 1, 'float32', 1);
  const y = tf.randomNormal([20, 1], 0, 1, 'float32', 2);
  const loss = (w: tf.Variable) => () => tf.mean(tf.squaredDifference(tf.matMul(x, w), y)) as tf.Scalar;
  return { x, y, loss };
}

function step(adam: Adam, w: tf.Variable, loss: () => tf.Scalar): void {
  tf.tidy(() => {
    const { grads } = tf.variableGrads(loss, [w]);
    adam.applyGradients([grads[w.name]]);
  });
}

describe(Adam.name, () => {
  it('follows the same trajectory as tfjs AdamOptimizer with the same epsilon', () => {
    const { x, y, loss } = problem();
    const ours = tf.variable(tf.zeros([3, 1]));
    const theirs = tf.variable(tf.zeros([3, 1]));
    const adam = new Adam([ours], { learningRate: 0.05 });
    const reference = tf.train.adam(0.05, 0.9, 0.999, 1e-8);
    for (let i = 0; i < 25; i++) {
      step(adam, ours, loss(ours));
      tf.tidy(() => {
        reference.minimize(loss(theirs), false, [theirs]);
      });
    }
    expect(adam.step).toBe(25);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]);
    expect(diff).toBeLessThan(1e-5);
    expect(tf.tidy(() => tf.max(tf.abs(ours)).dataSync()[0])).toBeGreaterThan(0.1); // it moved
    reference.dispose();
    adam.dispose();
    tf.dispose([x, y, ours, theirs]);
  });

  it('continues bit-for-bit after exporting its state into a fresh optimizer', async () => {
    const { x, y, loss } = problem();
    const straight = tf.variable(tf.zeros([3, 1]));
    const a = new Adam([straight], { learningRate: 0.05 });
    for (let i = 0; i < 10; i++) step(a, straight, loss(straight));

    const resumed = tf.variable(tf.zeros([3, 1]));
    const first = new Adam([resumed], { learningRate: 0.05 });
    for (let i = 0; i < 4; i++) step(first, resumed, loss(resumed));
    const state = await first.exportState();
    const weights = Float32Array.from(await resumed.data());
    first.dispose();
    // A fresh process: only the checkpointed weights and state survive.
    tf.tidy(() => resumed.assign(tf.tensor(weights, [3, 1])));
    const second = new Adam([resumed], { learningRate: 0.05 });
    second.importState(state);
    for (let i = 0; i < 6; i++) step(second, resumed, loss(resumed));

    expect(second.step).toBe(10);
    expect(Array.from(await resumed.data())).toEqual(Array.from(await straight.data()));
    a.dispose();
    second.dispose();
    tf.dispose([x, y, straight, resumed]);
  });

  it('leaves no tensor behind', () => {
    const { x, y, loss } = problem();
    const w = tf.variable(tf.zeros([3, 1]));
    const before = tf.memory().numTensors;
    const adam = new Adam([w], { learningRate: 0.1 });
    step(adam, w, loss(w));
    adam.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y, w]);
  });
});
