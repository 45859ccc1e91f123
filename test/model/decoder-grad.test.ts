/**
 * Finite-difference gradient check: tfjs's autodiff through the decoder (norms, rotary, ALiBi,
 * GELU/SwiGLU, GQA, windows, the ECG slots) matches central differences of the loss.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../lib/model/backend.ts';
import { forward, initDecoderWeights } from '../../lib/model/decoder.ts';
import { type PresetName, presetConfig } from '../../lib/model/presets.ts';
import { Rng } from '../../lib/util/prng.ts';

before(async () => {
  await initBackend('cpu');
});

/**
 * float32 central differences: step 1e-2 keeps the rounding error (~1e-7·|loss|/step) and the
 * truncation error (~step²·|f'''|) both near 1e-4 for a loss of order 1.
 */
const STEP = 1e-2;
const TOLERANCE = (analytic: number) => 2e-3 + 2e-2 * Math.abs(analytic);

for (const name of ['llama-3', 'bloom', 'gpt-neox', 'gpt-j', 'gpt-neo'] as PresetName[]) {
  test(`${name}: gradients match central differences (weights and the ECG input)`, () => {
    const config = presetConfig(name, 'mini', { layers: 2, hidden: 16, heads: 4, kv_heads: name === 'llama-3' ? 2 : undefined, intermediate: 24, vocab: 13, window: 2 });
    const weights = initDecoderWeights(config, new Rng(1));
    const rng = new Rng(2);
    for (const [key, w] of weights) {
      const noise = Float32Array.from({ length: w.size }, () => rng.normal(0, 1));
      w.assign(tf.tensor(/norm\.weight$/.test(key) ? noise.map((x) => 1 + 0.1 * x) : noise.map((x) => 0.4 * x), w.shape));
    }
    const ecg = tf.variable(tf.tensor3d(Float32Array.from({ length: 2 * config.hiddenSize }, () => rng.normal(0, 1)), [2, 1, config.hiddenSize]));
    const inputIds = tf.tensor2d([[3, 7, 1, 12, 5], [0, 0, 4, 9, 2]], undefined, 'int32');
    const attentionMask = tf.tensor2d([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]]);
    const targets = tf.tensor2d([[7, 1, 12, 5, 2], [0, 4, 9, 2, 8]], undefined, 'int32');
    const loss = () =>
      tf.tidy(() => {
        const { logits } = forward({ config, weights }, inputIds, { attentionMask, ecg });
        const perToken = tf.losses.softmaxCrossEntropy(tf.oneHot(targets, config.vocabSize), logits, undefined, 0, tf.Reduction.NONE);
        return tf.sum(tf.mul(perToken, attentionMask)) as tf.Scalar;
      });

    const probes: [string, tf.Variable][] = [
      ...['layers.0.attn.q.weight', 'layers.1.attn.k.weight', 'layers.0.attn.v.weight', 'layers.1.mlp.up.weight', 'layers.0.attn_norm.weight', 'embed.tokens.weight'].map(
        (k) => [k, weights.get(k)!] as [string, tf.Variable],
      ),
      ['ecg', ecg],
    ];
    const { grads } = tf.variableGrads(loss, probes.map(([, v]) => v));
    const pick = new Rng(3);
    let checked = 0;
    for (const [key, variable] of probes) {
      const analytic = grads[variable.name]!.dataSync();
      const values = variable.dataSync().slice();
      for (let n = 0; n < 3; n++) {
        const i = pick.int(0, values.length);
        const at = (delta: number) => {
          const moved = values.slice();
          moved[i]! += delta;
          variable.assign(tf.tensor(moved, variable.shape));
          return loss().dataSync()[0]!;
        };
        const numeric = (at(STEP) - at(-STEP)) / (2 * STEP);
        variable.assign(tf.tensor(values, variable.shape));
        assert.ok(Math.abs(numeric - analytic[i]!) <= TOLERANCE(analytic[i]!), `${name} ${key}[${i}]: autodiff ${analytic[i]} vs finite difference ${numeric}`);
        checked++;
      }
    }
    assert.equal(checked, 21);
    const nonZero = Object.values(grads).filter((g) => tf.max(tf.abs(g)).dataSync()[0]! > 1e-6).length;
    assert.equal(nonZero, probes.length, 'every probed weight (and the ECG) should receive a gradient');
    tf.dispose([...weights.values(), ecg, inputIds, attentionMask, targets, ...Object.values(grads)]);
  });
}
