import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTfjsBackend } from '../backend/backend.js';
import { glorot } from './common.js';
import { Dense } from './dense.js';

beforeAll(async () => {
  await initTfjsBackend('wasm');
});

/** `layer` applied to a symbolic [batch, 20] input inside a model, so it is built and named like in a head. */
function modelOf(layer: tf.layers.Layer): tf.LayersModel {
  const input = tf.input({ shape: [20] });
  return tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
}

describe(Dense.name, () => {
  it('has the weights of tf.layers.dense: names, order, shapes and seeded initial values', () => {
    const ours = modelOf(new Dense({ units: 7, activation: 'relu', name: 'fc1', kernelInitializer: glorot(3, 1) }));
    const theirs = modelOf(tf.layers.dense({ units: 7, activation: 'relu', name: 'fc1', kernelInitializer: glorot(3, 1) }));
    // tfjs makes variable names unique per process (fc1/kernel, fc1/kernel_1, …): compare the base names.
    const described = (m: tf.LayersModel) => m.weights.map((w) => [w.name.replace(/_\d+$/, ''), w.shape]);
    expect(described(ours)).toEqual([
      ['fc1/kernel', [20, 7]],
      ['fc1/bias', [7]],
    ]);
    expect(described(ours)).toEqual(described(theirs));
    expect(ours.weights.map((w) => Array.from(w.read().dataSync()))).toEqual(theirs.weights.map((w) => Array.from(w.read().dataSync())));
    expect(ours.outputs[0].shape).toEqual([null, 7]);
    ours.dispose();
    theirs.dispose();
  });

  it.each(['relu', 'linear'] as const)('computes what tf.layers.dense computes (%s), gradients included', (activation) => {
    const ours = modelOf(new Dense({ units: 7, activation, name: 'a', kernelInitializer: glorot(3, 1) }));
    const theirs = modelOf(tf.layers.dense({ units: 7, activation, name: 'b', kernelInitializer: glorot(3, 1) }));
    tf.tidy(() => theirs.setWeights([ours.weights[0].read(), tf.randomNormal([7], 0, 1, 'float32', 2)]));
    tf.tidy(() => ours.setWeights(theirs.weights.map((w) => w.read())));
    const x = tf.randomNormal([9, 20], 0, 1, 'float32', 1);
    const gradsOf = (model: tf.LayersModel) =>
      tf.variableGrads(() => tf.sum(tf.square(model.apply(x) as tf.Tensor)) as tf.Scalar, model.trainableWeights.map((w) => w.read() as tf.Variable));
    tf.tidy(() => {
      const [a, b] = [ours, theirs].map((m) => m.apply(x) as tf.Tensor);
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-6);
      const [ga, gb] = [gradsOf(ours), gradsOf(theirs)].map((g) => Object.values(g.grads));
      ga.forEach((g, i) => expect(tf.max(tf.abs(tf.sub(g, gb[i]))).dataSync()[0]).toBeLessThan(1e-5));
    });
    tf.dispose(x);
    ours.dispose();
    theirs.dispose();
  });

  it('leaves no tensor behind in a forward and backward pass', () => {
    const model = modelOf(new Dense({ units: 5, name: 'fc' }));
    const x = tf.randomNormal([4, 20]);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      tf.variableGrads(() => tf.sum(model.apply(x) as tf.Tensor) as tf.Scalar, model.trainableWeights.map((w) => w.read() as tf.Variable));
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    model.dispose();
  });

  it('rejects an input that is not [batch, features]', () => {
    const input = tf.input({ shape: [3, 4] });
    expect(() => new Dense({ units: 2 }).apply(input)).toThrow('AgiqaDense expects [batch, features] with known features');
  });
});
