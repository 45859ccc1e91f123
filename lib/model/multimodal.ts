/**
 * The MEIT model: ECG encoder → alignment → decoder (frozen, with LoRA) → report.
 *
 *   ecg [B, 12, T] ─► ECG encoder ─► [B, k·d_h] ─► alignment ─► conditioning (ECG slots,
 *   prefix embeddings or cross-attention tokens) ─► decoder(prompt + report, LoRA hook) ─► logits
 *
 * `MeitModelConfig` is the whole description (plain JSON: it is the checkpoint's config.json);
 * `MeitModel.create` resolves the user-level options (a backbone preset, sizes, alignment,
 * encoder preset, LoRA or full fine-tuning) into it. What trains: the LoRA adapters (or every
 * decoder weight under full fine-tuning), the ECG encoder and the alignment's own weights; the
 * rest is frozen (its tf.Variables are marked non-trainable, so tf.variableGrads skips them).
 *
 * Tensor names (trainableVariables, checkpoints): `decoder.<kit name>`, `lora.<projection>.
 * lora_A|lora_B`, `align.<name>`, and the encoder's own official names (`ecg_encoder.*`,
 * `proj_ecg.*`, BN running statistics included).
 */
import * as tf from '@tensorflow/tfjs';
import type { Tokenizer } from './tokenizer.ts';
import { InputError } from '../util/errors.ts';
import type { Rng } from '../util/prng.ts';
import { type AlignmentConfig, type AlignmentKind, Alignment, type EcgConditioning, disposeConditioning, selectRows } from './alignment.ts';
import { DecoderConfig, type DecoderConfigInit } from './config.ts';
import { type DecoderParams, forward, initDecoderWeights, parameterShapes } from './decoder.ts';
import { type EcgEncoder, type EcgEncoderConfig, createEcgEncoder, ecgEncoderConfig } from './ecg-encoder.ts';
import { loadModel, saveModel } from './checkpoint.ts';
import { type GenerationOptions, type SequenceModel, generate } from './generate.ts';
import { Lora, type LoraOptions, mergeLora } from './lora.ts';
import { type MiniSize, type PresetName, type PresetSize, presetConfig } from './presets.ts';

export type Finetune = 'lora' | 'full';

/** Everything that defines a model's architecture; JSON-serialisable (the checkpoint config). */
export interface MeitModelConfig {
  /** The preset the decoder came from, if any (informative). */
  backbone?: string;
  decoder: DecoderConfigInit;
  alignment: AlignmentConfig;
  /** null for the text-only control (alignment none). */
  encoder: EcgEncoderConfig | null;
  finetune: Finetune;
  /** null under full fine-tuning. */
  lora: LoraOptions | null;
}

/** User-level options of MeitModel.create; everything but `backbone` has a default. */
export interface MeitModelOptions {
  backbone: PresetName;
  /** Default mini. */
  size?: PresetSize;
  /** Mini size overrides (params.yaml models.mini.<name>). */
  sizeOverrides?: Partial<MiniSize>;
  /** A decoder config to use instead of the preset's (e.g. presetFromParams, or a checkpoint's). */
  decoder?: DecoderConfig;
  /** Pretrained decoder weights (same config as `decoder`); default: fresh N(0, 0.02). */
  decoderWeights?: Map<string, tf.Variable>;
  /** The tokenizer's vocabulary size: the mini decoder's vocabulary is set to it. */
  vocabSize?: number;
  /** Default meit. */
  alignment?: AlignmentKind;
  /** ECG vectors per example (k), default 1. */
  ecgSlots?: number;
  /** meit: layers that receive the ECG, default all. */
  ecgLayers?: number[];
  /** xattn: a block before every n-th layer, default 1. */
  xattnEvery?: number;
  /** ECG encoder preset (resnet50, resnet34, resnet18, tiny): default resnet50 for real sizes, tiny for mini. */
  encoder?: string;
  encoderOverrides?: Partial<EcgEncoderConfig>;
  /** Default lora. */
  finetune?: Finetune;
  /** LoRA settings: default r 64, α 128 (real) or r 8, α 16 (mini), dropout 0.1. */
  lora?: Partial<LoraOptions>;
}

/** One training batch (see batch.ts): lossMask[b, i] = 1 where token i+1 is a report token. */
export interface MeitBatch {
  /** [B, 12, T]; may be omitted under alignment none. */
  ecg?: tf.Tensor3D;
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  lossMask: tf.Tensor2D;
}

export interface StepOptions {
  /** Batch-norm batch statistics and LoRA dropout (default false). */
  training?: boolean;
  /** The stream of LoRA dropout masks (needed when training with dropout). */
  rng?: Rng;
}

export class MeitModel {
  private constructor(
    readonly config: MeitModelConfig,
    readonly decoder: DecoderParams,
    readonly encoder: EcgEncoder | null,
    readonly alignment: Alignment,
    readonly lora: Lora | null,
  ) {}

  /** A new model: fresh (or given) decoder weights, fresh encoder, alignment and adapters. */
  static create(options: MeitModelOptions, rng: Rng): MeitModel {
    const size = options.size ?? 'mini';
    let decoder = options.decoder ?? presetConfig(options.backbone, size, options.sizeOverrides);
    if (options.vocabSize !== undefined && options.vocabSize !== decoder.vocabSize) {
      if (size === 'real' || options.decoderWeights) {
        if (options.vocabSize > decoder.vocabSize) throw new InputError(`the tokenizer has ${options.vocabSize} tokens, more than the ${decoder.vocabSize} rows of ${decoder.name}'s embedding`);
      } else {
        decoder = decoder.with({ vocabSize: options.vocabSize });
      }
    }
    const alignment: AlignmentConfig = { kind: options.alignment ?? 'meit', ecgSlots: options.ecgSlots ?? 1 };
    if (options.ecgLayers) alignment.ecgLayers = [...options.ecgLayers];
    if (options.xattnEvery !== undefined) alignment.xattnEvery = options.xattnEvery;
    const finetune = options.finetune ?? 'lora';
    const defaultR = size === 'real' ? 64 : 8;
    const r = options.lora?.r ?? defaultR;
    const lora: LoraOptions | null =
      finetune === 'lora' ? { r, alpha: options.lora?.alpha ?? 2 * r, dropout: options.lora?.dropout ?? 0.1, ...(options.lora?.targets ? { targets: options.lora.targets } : {}) } : null;
    const encoder =
      alignment.kind === 'none'
        ? null
        : ecgEncoderConfig(options.encoder ?? (size === 'real' ? 'resnet50' : 'tiny'), alignment.ecgSlots * decoder.headDim, options.encoderOverrides);
    const config: MeitModelConfig = { backbone: options.backbone, decoder: decoder.toInit(), alignment, encoder, finetune, lora };
    return MeitModel.fromConfig(config, rng, options.decoderWeights);
  }

  /** A model of this exact config with fresh weights (or the given decoder weights). */
  static fromConfig(config: MeitModelConfig, rng: Rng, decoderWeights?: Map<string, tf.Variable>): MeitModel {
    if (config.finetune !== 'lora' && config.finetune !== 'full') throw new RangeError(`finetune must be lora or full, got ${JSON.stringify(config.finetune)}`);
    const decoderConfig = new DecoderConfig(config.decoder);
    const alignment = new Alignment(config.alignment, decoderConfig, rng.fork('alignment'));
    if (alignment.usesEcg !== (config.encoder !== null)) throw new RangeError(`alignment ${alignment.kind} ${alignment.usesEcg ? 'needs' : 'takes no'} ECG encoder`);
    if (config.encoder && config.encoder.outDim !== alignment.encoderOutDim) {
      throw new RangeError(`the ECG encoder outputs ${config.encoder.outDim} values; the alignment needs ecgSlots·headDim = ${alignment.encoderOutDim}`);
    }
    if (config.finetune === 'lora' && !config.lora) throw new RangeError('LoRA fine-tuning needs lora settings');
    if (decoderWeights) {
      for (const [name, shape] of parameterShapes(decoderConfig)) {
        const w = decoderWeights.get(name);
        if (!w || w.shape.join(',') !== shape.join(',')) throw new RangeError(`decoder weight ${name} is ${w ? `[${w.shape}]` : 'missing'}, expected [${shape}]`);
      }
    }
    const weights = decoderWeights ?? initDecoderWeights(decoderConfig, rng.fork('decoder'));
    const encoder = config.encoder ? createEcgEncoder(config.encoder, rng.fork('encoder')) : null;
    const lora = config.finetune === 'lora' ? new Lora(decoderConfig, config.lora!, rng.fork('lora')) : null;
    // A frozen base stays out of tf.variableGrads' default variable list.
    for (const w of weights.values()) w.trainable = config.finetune === 'full';
    return new MeitModel(config, { config: decoderConfig, weights }, encoder, alignment, lora);
  }

  /** Writes the model directory: config.json, model.safetensors, tokenizer.json (checkpoint.ts). */
  save(dir: string, tokenizer: string | object): Promise<void> {
    return saveModel(this, dir, tokenizer);
  }

  /** The model of a directory written by save(). */
  static load(dir: string): Promise<MeitModel> {
    return loadModel(dir);
  }

  /** The weights an optimiser updates, by checkpoint name. */
  trainableVariables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    if (this.config.finetune === 'full') for (const [name, w] of this.decoder.weights) out.set(`decoder.${name}`, w);
    for (const [name, w] of this.lora?.weights ?? []) out.set(`lora.${name}`, w);
    for (const [name, w] of this.encoder?.params ?? []) out.set(name, w);
    for (const [name, w] of this.alignment.params) out.set(`align.${name}`, w);
    return out;
  }

  /** Every tensor of the model (frozen ones and BN running statistics too), by checkpoint name. */
  variables(): Map<string, tf.Variable> {
    const out = this.trainableVariables();
    if (this.config.finetune !== 'full') for (const [name, w] of this.decoder.weights) out.set(`decoder.${name}`, w);
    for (const [name, w] of this.encoder?.buffers ?? []) out.set(name, w);
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** The shape of every tensor variables() returns, for validating checkpoints. */
  tensorShapes(): Map<string, number[]> {
    return new Map([...this.variables()].map(([name, v]) => [name, v.shape]));
  }

  /** The ECG embedding [B, k·d_h] (unit norm), in evaluation mode: the nearest-neighbour baseline's features. */
  embedEcg(ecg: tf.Tensor3D): tf.Tensor2D {
    if (!this.encoder) throw new Error('alignment none has no ECG encoder');
    return this.encoder.apply(ecg, false);
  }

  /** The conditioning of an ECG batch (any batch: shuffled ECGs for the control). Empty under none. */
  condition(ecg: tf.Tensor3D | undefined, training = false): EcgConditioning {
    if (!this.encoder) return {};
    if (!ecg) throw new Error(`alignment ${this.alignment.kind} needs an ECG batch`);
    return tf.tidy(() => this.alignment.condition(this.encoder!.apply(ecg, training)) as tf.TensorContainer) as EcgConditioning;
  }

  /** Logits [B, L, vocab] of a batch (teacher forcing). */
  logits(batch: Omit<MeitBatch, 'lossMask'>, options: StepOptions = {}): tf.Tensor3D {
    return tf.tidy(() => {
      const conditioning = this.condition(batch.ecg, options.training);
      return forward(this.decoder, batch.inputIds, {
        attentionMask: batch.attentionMask,
        linearHook: this.lora?.hook(options),
        ...this.alignment.forwardOptions(conditioning, true),
      }).logits;
    });
  }

  /** Mean cross-entropy of the report tokens (lossMask) given everything before them. */
  loss(batch: MeitBatch, options: StepOptions = {}): tf.Scalar {
    return tf.tidy(() => {
      const logits = this.logits(batch, options);
      const [b, l, v] = logits.shape;
      const logProbs = tf.logSoftmax(logits.slice([0, 0, 0], [b, l - 1, v]));
      const targets = batch.inputIds.slice([0, 1], [b, l - 1]).toInt();
      const picked = tf.sum(tf.mul(logProbs, tf.oneHot(targets, v)), -1);
      const mask = batch.lossMask.slice([0, 0], [b, l - 1]).toFloat();
      return tf.div(tf.neg(tf.sum(tf.mul(picked, mask))), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
    });
  }

  /**
   * Generated token ids for prompts (token lists, see batch.ts encodePrompt) conditioned on
   * `ecg` [B, 12, T] (omitted under none). Greedy by default; see generate.ts.
   */
  generate(ecg: tf.Tensor3D | undefined, prompts: number[][], options: GenerationOptions): number[][] {
    if (ecg && ecg.shape[0] !== prompts.length) throw new RangeError(`generate: ${ecg.shape[0]} ECGs for ${prompts.length} prompts`);
    const owned: EcgConditioning[] = [this.condition(ecg)];
    try {
      return generate(this.sequenceModel(owned[0]!, owned), prompts, options);
    } finally {
      owned.forEach(disposeConditioning);
    }
  }

  /** Texts of generate(), decoded without special tokens. */
  generateText(ecg: tf.Tensor3D | undefined, prompts: number[][], tokenizer: Tokenizer, options: Omit<GenerationOptions, 'eosId'> & { eosId?: number }): string[] {
    const ids = this.generate(ecg, prompts, { ...options, eosId: options.eosId ?? tokenizer.eosId, padId: options.padId ?? tokenizer.padId ?? tokenizer.eosId });
    return ids.map((row) => tokenizer.decode(row, { skipSpecialTokens: true }).trim());
  }

  /** The decoder bound to a conditioning, as generation sees it; conditionings it derives go to `owned`. */
  private sequenceModel(conditioning: EcgConditioning, owned: EcgConditioning[]): SequenceModel {
    const linearHook = this.lora?.hook();
    return {
      forward: (inputIds, attentionMask, cache, useCache) =>
        forward(this.decoder, inputIds, { attentionMask, cache, useCache, linearHook, ...this.alignment.forwardOptions(conditioning, cache === undefined) }) as ReturnType<SequenceModel['forward']>,
      selectRows: (rows) => {
        const selected = selectRows(conditioning, rows);
        owned.push(selected);
        return this.sequenceModel(selected, owned);
      },
    };
  }

  /** Decoder weights with LoRA folded in (new variables for the adapted projections; dispose with disposeMerged). */
  mergedDecoderWeights(): Map<string, tf.Variable> {
    return this.lora ? mergeLora(this.decoder.weights, this.lora) : new Map(this.decoder.weights);
  }

  /** Number of values that train, and in total. */
  parameterCounts(): { trainable: number; total: number } {
    let trainable = 0;
    for (const v of this.trainableVariables().values()) trainable += v.size;
    let buffers = 0;
    for (const v of this.encoder?.buffers.values() ?? []) buffers += v.size;
    let total = -buffers;
    for (const v of this.variables().values()) total += v.size;
    return { trainable, total };
  }

  dispose(): void {
    tf.dispose([...this.decoder.weights.values()]);
    this.encoder?.dispose();
    this.alignment.dispose();
    this.lora?.dispose();
  }
}

/** Disposes the variables mergedDecoderWeights created (those not shared with the model). */
export function disposeMerged(model: MeitModel, merged: Map<string, tf.Variable>): void {
  for (const [name, v] of merged) if (model.decoder.weights.get(name) !== v) v.dispose();
}
