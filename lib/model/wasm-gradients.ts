/**
 * The kernels that training needs and the tfjs wasm backend lacks or runs badly (tfjs 4.22).
 *
 * tfjs computes gradients with ordinary kernels of the active backend. On wasm:
 *   - UnsortedSegmentSum is missing: the gradient of gather (embedding lookup), which scatters
 *     the upstream rows back onto the vocabulary, throws "kernel not found";
 *   - Conv2DBackpropFilter is missing: the filter gradient of conv2d (and of conv1d, which tfjs
 *     runs as a conv2d of height 1) throws;
 *   - Conv2DBackpropInput exists but is a plain loop, ~17× slower than the forward conv;
 *   - MaxPoolGrad is wrong: it drops gradient entries whenever there is more than one channel;
 *   - BatchMatMul uses XNNPACK only without transpose flags; with transposeA or transposeB
 *     (which every matMul gradient uses) it falls back to a loop 5–10× slower.
 * All are (re)registered here for the 'wasm' backend, working on the backend's heap. The
 * convolution gradients are im2col/col2im around the backend's own (XNNPACK) matMul, and
 * transposed matMuls transpose first (O(n²)) and multiply plainly. test/model/wasm-gradients
 * .test.ts checks every training op against the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** out[segmentIds[i], ...] += x[i, ...]; ids outside [0, numSegments) are dropped (as in TF). */
function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  const inner = rows === 0 ? 0 : tf.util.sizeFromShape(x.shape) / rows;
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = wasm.makeOutput(outShape, x.dtype);
  // Views over the heap are taken after the allocation above, which may have grown it.
  const outValues = wasm.typedArrayFromHeap(out);
  const xValues = wasm.typedArrayFromHeap(x);
  const ids = wasm.typedArrayFromHeap(segmentIds);
  outValues.fill(0);
  for (let i = 0; i < rows; i++) {
    const segment = ids[i]!;
    if (segment < 0 || segment >= numSegments) continue;
    const src = i * inner;
    const dst = segment * inner;
    for (let j = 0; j < inner; j++) outValues[dst + j]! += xValues[src + j]!;
  }
  return out;
}

/** The geometry of an NHWC conv2d from its input and filter shapes. */
function convInfo(xShape: number[], filterShape: number[], attrs: tf.Conv2DBackpropFilterAttrs | tf.Conv2DBackpropInputAttrs): tf.backend_util.Conv2DInfo {
  const format = tf.backend_util.convertConv2DDataFormat(attrs.dataFormat);
  if (format !== 'channelsLast') throw new Error('conv2d gradients (wasm): only NHWC is supported');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    format,
  );
}

/**
 * Visits every (output position, filter tap) pair whose input pixel lies inside the image:
 * `visit(colOffset, inputOffset)` with offsets of the inChannels-long runs in the
 * [rows, taps·inChannels] column matrix and in the NHWC input.
 */
function forEachTap(info: tf.backend_util.Conv2DInfo, visit: (colOffset: number, inputOffset: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const patch = filterHeight * filterWidth * inChannels;
  let row = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, row++) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight - info.padInfo.top + kh;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth - info.padInfo.left + kw;
            if (iw < 0 || iw >= inWidth) continue;
            visit(row * patch + (kh * filterWidth + kw) * inChannels, ((b * inHeight + ih) * inWidth + iw) * inChannels);
          }
        }
      }
    }
  }
}

/** A 1×1 convolution with stride 1 and no padding is a plain matMul: its columns are the input. */
function isPointwise(info: tf.backend_util.Conv2DInfo): boolean {
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  return filterHeight === 1 && filterWidth === 1 && strideHeight === 1 && strideWidth === 1 && padInfo.top === 0 && padInfo.left === 0;
}

const reshaped = (t: tf.TensorInfo, shape: number[]): tf.TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });

function kernel(name: string): tf.KernelFunc {
  return tf.getKernel(name, 'wasm')!.kernelFunc;
}

/** a·b of [1, m, k] by [1, k, n] on the wasm backend (XNNPACK). */
function matMul(wasm: BackendWasm, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  return kernel('BatchMatMul')({ inputs: { a, b }, backend: wasm, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
}

/** The transpose of the last two axes. */
function transposeLastTwo(wasm: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  const perm = x.shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1]!, perm[perm.length - 2]!];
  return kernel('Transpose')({ inputs: { x }, backend: wasm, attrs: { perm } }) as tf.TensorInfo;
}

/** dW = im2col(x)ᵀ · dy: every output position contributes its receptive field times its gradient. */
function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const convAttrs = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = convInfo(x.shape, convAttrs.filterShape, convAttrs);
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const patch = info.filterHeight * info.filterWidth * info.inChannels;

  let cols = reshaped(x, [1, rows, patch]);
  if (!isPointwise(info)) {
    cols = wasm.makeOutput([1, rows, patch], 'float32');
    const colValues = wasm.typedArrayFromHeap(cols) as Float32Array;
    const xValues = wasm.typedArrayFromHeap(x) as Float32Array;
    colValues.fill(0); // taps in the padding stay zero
    forEachTap(info, (c, i) => {
      for (let k = 0; k < info.inChannels; k++) colValues[c + k] = xValues[i + k]!;
    });
  }
  const colsT = transposeLastTwo(wasm, cols);
  if (cols.dataId !== x.dataId) wasm.disposeData(cols.dataId);
  const product = matMul(wasm, colsT, reshaped(dy, [1, rows, info.outChannels]));
  wasm.disposeData(colsT.dataId);
  return reshaped(product, convAttrs.filterShape);
}

/** dx = col2im(dy · Wᵀ): each output position's gradient spreads back over its receptive field. */
function conv2DBackpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const convAttrs = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  const info = convInfo(convAttrs.inputShape, filter.shape, convAttrs);
  const rows = info.batchSize * info.outHeight * info.outWidth;
  const patch = info.filterHeight * info.filterWidth * info.inChannels;

  const filterT = transposeLastTwo(wasm, reshaped(filter, [1, patch, info.outChannels]));
  const dcols = matMul(wasm, reshaped(dy, [1, rows, info.outChannels]), filterT);
  wasm.disposeData(filterT.dataId);
  if (isPointwise(info)) return reshaped(dcols, convAttrs.inputShape);

  const dx = wasm.makeOutput(convAttrs.inputShape, 'float32');
  const dxValues = wasm.typedArrayFromHeap(dx) as Float32Array;
  const colValues = wasm.typedArrayFromHeap(dcols) as Float32Array;
  dxValues.fill(0);
  forEachTap(info, (c, i) => {
    for (let k = 0; k < info.inChannels; k++) dxValues[i + k]! += colValues[c + k]!;
  });
  wasm.disposeData(dcols.dataId);
  return dx;
}

/** BatchMatMul with transpose flags, done as explicit transposes and a plain (XNNPACK) matMul. */
function batchMatMulViaTranspose(plain: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as BackendWasm;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    if (!transposeA && !transposeB) return plain({ inputs, backend, attrs });
    const a2 = transposeA ? transposeLastTwo(wasm, a) : a;
    const b2 = transposeB ? transposeLastTwo(wasm, b) : b;
    const out = plain({ inputs: { a: a2, b: b2 }, backend, attrs: { transposeA: false, transposeB: false } });
    if (transposeA) wasm.disposeData(a2.dataId);
    if (transposeB) wasm.disposeData(b2.dataId);
    return out;
  };
}

/**
 * dx of a 2-D max pool: each output's gradient goes to the first maximum of its window (the cpu
 * backend's tie rule), padding excluded.
 */
function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const out = wasm.makeOutput(input.shape, 'float32');
  const dx = wasm.typedArrayFromHeap(out) as Float32Array;
  const xValues = wasm.typedArrayFromHeap(input) as Float32Array;
  const dyValues = wasm.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let c = 0; c < inChannels; c++) {
          let best = -Infinity;
          let where = -1;
          for (let kh = 0; kh < filterHeight; kh++) {
            const ih = oh * strideHeight - info.padInfo.top + kh;
            if (ih < 0 || ih >= inHeight) continue;
            for (let kw = 0; kw < filterWidth; kw++) {
              const iw = ow * strideWidth - info.padInfo.left + kw;
              if (iw < 0 || iw >= inWidth) continue;
              const index = ((b * inHeight + ih) * inWidth + iw) * inChannels + c;
              if (xValues[index]! > best || where < 0) {
                best = xValues[index]!;
                where = index;
              }
            }
          }
          if (where >= 0) dx[where]! += dyValues[((b * outHeight + oh) * outWidth + ow) * inChannels + c]!;
        }
      }
    }
  }
  return out;
}

let registered = false;

/** Replaces a registered wasm kernel, keeping its setup function (run when the backend starts). */
function replaceKernel(kernelName: string, kernelFunc: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const original = tf.getKernel(kernelName, 'wasm')!;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: kernelFunc(original.kernelFunc) });
}

/** Registers the added and replaced kernels for the 'wasm' backend (idempotent). */
export function registerWasmGradientKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: tf.UnsortedSegmentSum, backendName: 'wasm', kernelFunc: unsortedSegmentSum as tf.KernelFunc });
  tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter as tf.KernelFunc });
  replaceKernel(tf.Conv2DBackpropInput, () => conv2DBackpropInput as tf.KernelFunc);
  replaceKernel(tf.MaxPoolGrad, () => maxPoolGrad as tf.KernelFunc);
  replaceKernel(tf.BatchMatMul, batchMatMulViaTranspose);
}
