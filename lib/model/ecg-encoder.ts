/**
 * The ECG encoder: a 1-D ResNet over the 12 leads, a projector MLP, and L2 normalisation.
 *
 * It follows the official MEIT code (AIoT-MLSys-Lab/MEIT, `ECG_model`, whose ResNet1d is the
 * one of MERL, cheliu-computation/MERL-ICML2024 utils/resnet1d.py):
 *   stem     conv 12→64, kernel 7, stride 2, padding 3, no bias; BN; ReLU — and no max-pool
 *   stages   4 stages of blocks, widths 64/128/256/512, stride 2 at the first block of stages
 *            2–4; bottleneck blocks (1×1, 3×3 with the stride, 1×1 to 4× width) for ResNet-50,
 *            basic blocks (two 3-tap convs) for ResNet-18/34; a 1×1 conv + BN shortcut where
 *            the shape changes
 *   pool     global average over time → 2048 features (ResNet-50)
 *   projector Linear 2048→2048, BN, ReLU, Linear → d_h, BN (the GPT-NeoX variant of the
 *            official code drops both BNs: `projectorBatchNorm: false`)
 *   output   L2-normalised over the feature axis (torch `normalize`, eps 1e-12)
 * Batch norm uses batch statistics when training and running statistics (PyTorch momentum
 * 0.1, unbiased running variance) when evaluating.
 *
 * Parameters carry the official module names ("ecg_encoder.layer1.0.conv1.weight",
 * "proj_ecg.0.weight") in tfjs layouts: convolutions [kernel, in, out], linears [in, out].
 * Activations run as NHWC with H = 1, so every convolution is a conv2d with PyTorch's
 * symmetric padding (tfjs's 'same' pads asymmetrically at stride 2).
 */
import * as tf from '@tensorflow/tfjs';
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/prng.ts';

export interface EcgEncoderConfig {
  /** Leads. */
  inChannels: number;
  block: 'basic' | 'bottleneck';
  /** Blocks per stage, e.g. [3, 4, 6, 3]. */
  layers: number[];
  /** Base width per stage, e.g. [64, 128, 256, 512] (bottlenecks output 4× that). */
  widths: number[];
  stemWidth: number;
  stemKernel: number;
  stemStride: number;
  projectorHidden: number;
  /** Output size: the attention-head dimension d_h of the decoder. */
  outDim: number;
  projectorBatchNorm: boolean;
  /**
   * 'kaiming-normal': convolutions N(0, 2/fan_out) as torchvision's ResNet; 'pytorch-default':
   * the layers' own defaults, U(±1/√fan_in), which is what the official code ends up with.
   * Linear layers use PyTorch's default in both.
   */
  init: 'kaiming-normal' | 'pytorch-default';
  bnMomentum: number;
  bnEpsilon: number;
}

type Preset = Omit<EcgEncoderConfig, 'outDim'>;

const COMMON = { inChannels: 12, stemKernel: 7, stemStride: 2, projectorBatchNorm: true, init: 'kaiming-normal', bnMomentum: 0.1, bnEpsilon: 1e-5 } as const;

export const ECG_ENCODER_PRESETS: Record<string, Preset> = {
  resnet50: { ...COMMON, block: 'bottleneck', layers: [3, 4, 6, 3], widths: [64, 128, 256, 512], stemWidth: 64, projectorHidden: 2048 },
  resnet34: { ...COMMON, block: 'basic', layers: [3, 4, 6, 3], widths: [64, 128, 256, 512], stemWidth: 64, projectorHidden: 512 },
  resnet18: { ...COMMON, block: 'basic', layers: [2, 2, 2, 2], widths: [64, 128, 256, 512], stemWidth: 64, projectorHidden: 512 },
  /** For laptop CPU runs. */
  tiny: { ...COMMON, block: 'basic', layers: [1, 1, 1, 1], widths: [16, 32, 64, 128], stemWidth: 16, projectorHidden: 128 },
};

/** The preset's config for a decoder with head dimension `outDim`, with optional overrides. */
export function ecgEncoderConfig(preset: string, outDim: number, overrides: Partial<EcgEncoderConfig> = {}): EcgEncoderConfig {
  const base = ECG_ENCODER_PRESETS[preset];
  if (!base) throw new Error(`unknown ECG encoder preset ${JSON.stringify(preset)}; known: ${Object.keys(ECG_ENCODER_PRESETS).join(', ')}`);
  return { ...base, outDim, ...overrides };
}

export interface EcgEncoder {
  readonly config: EcgEncoderConfig;
  /** Trainable weights by name. */
  readonly params: Map<string, tf.Variable>;
  /** Batch-norm running statistics by name (updated by apply(x, true)). */
  readonly buffers: Map<string, tf.Variable>;
  /** [B, leads, T] → [B, outDim], unit L2 norm per row. */
  apply(x: tf.Tensor3D, training: boolean): tf.Tensor2D;
  /** Number of trainable values. */
  parameterCount(): number;
  dispose(): void;
}

const EXPANSION = { basic: 1, bottleneck: 4 } as const;

/** A convolution of the network: its weight name and geometry. */
interface ConvSpec {
  name: string;
  kernel: number;
  in: number;
  out: number;
  stride: number;
}

/** One residual block: main-path (conv, BN) pairs and an optional shortcut pair. */
interface BlockSpec {
  path: { conv: ConvSpec; bn: string }[];
  shortcut?: { conv: ConvSpec; bn: string };
}

/** The network's layout: every convolution, BN and linear with its name and size. */
function architecture(config: EcgEncoderConfig) {
  const E = 'ecg_encoder';
  const stem = { conv: { name: `${E}.conv1`, kernel: config.stemKernel, in: config.inChannels, out: config.stemWidth, stride: config.stemStride }, bn: `${E}.bn1` };
  const blocks: BlockSpec[] = [];
  let channels = config.stemWidth;
  const expansion = EXPANSION[config.block];
  config.layers.forEach((count, stage) => {
    const width = config.widths[stage]!;
    for (let j = 0; j < count; j++) {
      const stride = stage > 0 && j === 0 ? 2 : 1;
      const prefix = `${E}.layer${stage + 1}.${j}`;
      const conv = (i: number, kernel: number, cin: number, cout: number, s: number) => ({
        conv: { name: `${prefix}.conv${i}`, kernel, in: cin, out: cout, stride: s },
        bn: `${prefix}.bn${i}`,
      });
      const path =
        config.block === 'basic'
          ? [conv(1, 3, channels, width, stride), conv(2, 3, width, width, 1)]
          : [conv(1, 1, channels, width, 1), conv(2, 3, width, width, stride), conv(3, 1, width, width * expansion, 1)];
      const out = width * expansion;
      const shortcut =
        stride !== 1 || channels !== out
          ? { conv: { name: `${prefix}.shortcut.0`, kernel: 1, in: channels, out, stride }, bn: `${prefix}.shortcut.1` }
          : undefined;
      blocks.push({ path, shortcut });
      channels = out;
    }
  });
  // Module indices of the official nn.Sequential (ReLU layers take indices too).
  const P = 'proj_ecg';
  const projector = config.projectorBatchNorm
    ? { hidden: `${P}.0`, hiddenBn: `${P}.1`, out: `${P}.3`, outBn: `${P}.4` }
    : { hidden: `${P}.0`, hiddenBn: undefined, out: `${P}.2`, outBn: undefined };
  return { stem, blocks, features: channels, projector };
}

/** How a tensor starts: its initialiser, and whether it is trained or a BN running statistic. */
type Init = 'conv' | 'linear' | 'ones' | 'zeros';
interface TensorSpec {
  shape: number[];
  init: Init;
  trainable: boolean;
  /** Inputs per output of the layer the tensor belongs to (conv and linear). */
  fanIn?: number;
}

/** Every tensor of the encoder by name, in creation order (weights and BN running statistics). */
export function ecgEncoderTensorSpecs(config: EcgEncoderConfig): Map<string, TensorSpec> {
  if (config.layers.length !== config.widths.length) throw new Error('ECG encoder: layers and widths must have the same length');
  const arch = architecture(config);
  const specs = new Map<string, TensorSpec>();
  const conv = ({ name, kernel, in: cin, out }: ConvSpec) => specs.set(`${name}.weight`, { shape: [kernel, cin, out], init: 'conv', trainable: true, fanIn: kernel * cin });
  const bn = (name: string, channels: number) => {
    specs.set(`${name}.weight`, { shape: [channels], init: 'ones', trainable: true });
    specs.set(`${name}.bias`, { shape: [channels], init: 'zeros', trainable: true });
    specs.set(`${name}.running_mean`, { shape: [channels], init: 'zeros', trainable: false });
    specs.set(`${name}.running_var`, { shape: [channels], init: 'ones', trainable: false });
  };
  const linear = (name: string, fanIn: number, fanOut: number) => {
    specs.set(`${name}.weight`, { shape: [fanIn, fanOut], init: 'linear', trainable: true, fanIn });
    specs.set(`${name}.bias`, { shape: [fanOut], init: 'linear', trainable: true, fanIn });
  };
  conv(arch.stem.conv);
  bn(arch.stem.bn, arch.stem.conv.out);
  for (const block of arch.blocks) {
    for (const pair of [...block.path, ...(block.shortcut ? [block.shortcut] : [])]) {
      conv(pair.conv);
      bn(pair.bn, pair.conv.out);
    }
  }
  const { projector } = arch;
  linear(projector.hidden, arch.features, config.projectorHidden);
  if (projector.hiddenBn) bn(projector.hiddenBn, config.projectorHidden);
  linear(projector.out, config.projectorHidden, config.outDim);
  if (projector.outBn) bn(projector.outBn, config.outDim);
  return specs;
}

/** Number of trainable values of an encoder with this config (no weights are created). */
export function ecgEncoderParameterCount(config: EcgEncoderConfig): number {
  let total = 0;
  for (const spec of ecgEncoderTensorSpecs(config).values()) if (spec.trainable) total += spec.shape.reduce((a, b) => a * b, 1);
  return total;
}

/** Initial values of one tensor; each draws from its own fork, so adding a layer leaves the others alone. */
function initialValues(name: string, { shape, init, fanIn }: TensorSpec, config: EcgEncoderConfig, rng: Rng): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (init === 'ones') return values.fill(1);
  if (init === 'zeros') return values;
  const r = rng.fork(name);
  if (init === 'conv' && config.init === 'kaiming-normal') {
    const [kernel, , out] = shape as [number, number, number];
    const sd = Math.sqrt(2 / (out * kernel)); // fan_out mode, ReLU gain
    for (let i = 0; i < size; i++) values[i] = r.normal(0, sd);
    return values;
  }
  // PyTorch's default for conv and linear layers: U(±1/√fan_in), biases too.
  const bound = 1 / Math.sqrt(fanIn!);
  for (let i = 0; i < size; i++) values[i] = r.uniform(-bound, bound);
  return values;
}

/** Builds an encoder with freshly initialised weights; the same rng seed gives the same weights. */
export function createEcgEncoder(config: EcgEncoderConfig, rng: Rng): EcgEncoder {
  const arch = architecture(config);
  const params = new Map<string, tf.Variable>();
  const buffers = new Map<string, tf.Variable>();
  for (const [name, spec] of ecgEncoderTensorSpecs(config)) {
    const values = initialValues(name, spec, config, rng);
    const variable = tf.tidy(() => tf.variable(tf.tensor(values, spec.shape), spec.trainable));
    (spec.trainable ? params : buffers).set(name, variable);
  }
  const { projector } = arch;

  const p = (name: string) => params.get(name)!;

  /** Batch norm over every axis but the last (channels). */
  const batchNorm = (x: tf.Tensor, name: string, training: boolean): tf.Tensor => {
    const runningMean = buffers.get(`${name}.running_mean`)!;
    const runningVar = buffers.get(`${name}.running_var`)!;
    let mean: tf.Tensor = runningMean;
    let variance: tf.Tensor = runningVar;
    if (training) {
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      const count = x.size / x.shape.at(-1)!;
      if (count < 2) throw new Error(`ECG encoder: batch norm ${name} needs more than one value per channel in training (batch of 1?)`);
      ({ mean, variance } = tf.moments(x, axes));
      const m = config.bnMomentum;
      const [newMean, newVar] = tf.tidy(() => [
        tf.add(tf.mul(runningMean, 1 - m), tf.mul(mean, m)),
        tf.add(tf.mul(runningVar, 1 - m), tf.mul(variance, (m * count) / (count - 1))),
      ]);
      runningMean.assign(newMean!);
      runningVar.assign(newVar!);
      tf.dispose([newMean!, newVar!]);
    }
    const scale = tf.mul(tf.rsqrt(tf.add(variance, config.bnEpsilon)), p(`${name}.weight`));
    return tf.add(tf.mul(tf.sub(x, mean), scale), p(`${name}.bias`));
  };

  const conv = (x: tf.Tensor4D, spec: ConvSpec): tf.Tensor4D => {
    const pad = Math.floor(spec.kernel / 2);
    const filter = tf.reshape(p(`${spec.name}.weight`), [1, spec.kernel, spec.in, spec.out]) as tf.Tensor4D;
    return tf.conv2d(x, filter, [1, spec.stride], [[0, 0], [0, 0], [pad, pad], [0, 0]]);
  };

  const linear = (x: tf.Tensor, name: string) => tf.add(tf.matMul(x, p(`${name}.weight`)), p(`${name}.bias`));

  return {
    config,
    params,
    buffers,
    apply(x: tf.Tensor3D, training: boolean): tf.Tensor2D {
      if (x.rank !== 3 || x.shape[1] !== config.inChannels) throw new Error(`ECG encoder: expected [batch, ${config.inChannels}, samples], got [${x.shape.join(', ')}]`);
      return tf.tidy(() => {
        const [batch, leads, samples] = x.shape;
        let h = tf.reshape(tf.transpose(x, [0, 2, 1]), [batch, 1, samples, leads]) as tf.Tensor4D;
        h = tf.relu(batchNorm(conv(h, arch.stem.conv), arch.stem.bn, training)) as tf.Tensor4D;
        for (const block of arch.blocks) {
          let y: tf.Tensor4D = h;
          block.path.forEach(({ conv: spec, bn }, i) => {
            y = batchNorm(conv(y, spec), bn, training) as tf.Tensor4D;
            if (i < block.path.length - 1) y = tf.relu(y) as tf.Tensor4D;
          });
          const skip = block.shortcut ? batchNorm(conv(h, block.shortcut.conv), block.shortcut.bn, training) : h;
          h = tf.relu(tf.add(y, skip)) as tf.Tensor4D;
        }
        let z = tf.mean(h, [1, 2]);
        z = linear(z, projector.hidden);
        if (projector.hiddenBn) z = batchNorm(z, projector.hiddenBn, training);
        z = linear(tf.relu(z), projector.out);
        if (projector.outBn) z = batchNorm(z, projector.outBn, training);
        const norm = tf.maximum(tf.norm(z, 'euclidean', 1, true), 1e-12);
        return tf.div(z, norm) as tf.Tensor2D;
      });
    },
    parameterCount(): number {
      let total = 0;
      for (const v of params.values()) total += v.size;
      return total;
    },
    dispose(): void {
      tf.dispose([...params.values(), ...buffers.values()]);
    },
  };
}

/** Every weight and running statistic as plain data (for writeSafetensors). */
export function ecgEncoderState(encoder: EcgEncoder): Map<string, { shape: number[]; data: Float32Array }> {
  const state = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, v] of [...encoder.params, ...encoder.buffers]) state.set(name, { shape: v.shape, data: v.dataSync() as Float32Array });
  return state;
}

/**
 * Loads weights and running statistics saved by ecgEncoderState (e.g. read back with
 * readSafetensors). Missing tensors and shape mismatches are InputErrors naming `file`;
 * tensors of other modules in the same file are ignored.
 */
export function loadEcgEncoderState(encoder: EcgEncoder, state: ReadonlyMap<string, { shape: number[]; data: Float32Array }>, file?: string): void {
  const targets = [...encoder.params, ...encoder.buffers];
  for (const [name, v] of targets) {
    const saved = state.get(name);
    if (!saved) throw new InputError(`ECG encoder tensor ${name} is missing`, { file });
    if (saved.shape.join(',') !== v.shape.join(',')) {
      throw new InputError(`ECG encoder tensor ${name} has shape [${saved.shape.join(', ')}], expected [${v.shape.join(', ')}]`, { file });
    }
  }
  for (const [name, v] of targets) {
    const saved = state.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(saved.data, saved.shape)));
  }
}
