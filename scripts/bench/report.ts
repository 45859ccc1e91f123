/** bench.json → the targets it meets, and bench.md (the human-readable page beside it). */
import type { BenchResult, Target } from './schema.ts';

/** "Flat" peak memory: at most this factor more for 4× the records. */
const FLAT_MEMORY_FACTOR = 1.15;
/** Metric values count as equal up to float64 summation-order noise. */
const EQUAL_SCORES = 1e-9;

const fmt = (x: unknown) => (x === null || x === undefined ? '—' : typeof x === 'number' ? String(x) : String(x));

/** All of `values` meet `ok`, or null when there is nothing to judge (the peer was skipped). */
function all(values: (number | null | undefined)[], ok: (x: number) => boolean): boolean | null {
  const present = values.filter((v): v is number => typeof v === 'number');
  if (present.length === 0 || present.length < values.length) return present.length === 0 ? null : false;
  return present.every(ok);
}

function worst(values: (number | null | undefined)[], pick: (xs: number[]) => number): string {
  const present = values.filter((v): v is number => typeof v === 'number');
  return present.length === 0 ? 'not measured' : String(pick(present));
}

export function evaluateTargets(r: BenchResult): Target[] {
  const targets: Target[] = [];
  const trainRatios = r.train.map((t) => t.ratio);
  targets.push({
    name: `train step, ${r.backend.name} backend`,
    target: '<= 2x PyTorch time on every mini preset',
    measured: `${trainRatios.filter((x) => x !== null && x <= 2).length}/${r.train.length} presets; worst ${worst(trainRatios, (xs) => Math.max(...xs))}x`,
    met: all(trainRatios, (x) => x <= 2),
  });
  if (r.train.some((t) => t.native_ratio !== undefined)) {
    const native = r.train.map((t) => t.native_ratio);
    targets.push({
      name: 'train step, native tensorflow backend (setup:native)',
      target: '<= 2x PyTorch time on every mini preset',
      measured: `${native.filter((x) => x !== undefined && x !== null && x <= 2).length}/${r.train.length} presets; worst ${worst(native, (xs) => Math.max(...xs))}x`,
      met: all(native, (x) => x <= 2),
    });
  }
  const genRatios = r.generation.map((g) => g.ratio);
  targets.push({
    name: `generation (greedy, KV cache), ${r.backend.name} backend`,
    target: '>= 0.5x transformers tokens/s on every mini preset',
    measured: `${genRatios.filter((x) => x !== null && x >= 0.5).length}/${r.generation.length} presets; worst ${worst(genRatios, (xs) => Math.min(...xs))}x`,
    met: all(genRatios, (x) => x >= 0.5),
  });
  if (r.generation.some((g) => g.native_ratio !== undefined)) {
    const native = r.generation.map((g) => g.native_ratio);
    targets.push({
      name: 'generation, native tensorflow backend (setup:native)',
      target: '>= 0.5x transformers tokens/s on every mini preset',
      measured: `${native.filter((x) => x !== undefined && x !== null && x >= 0.5).length}/${r.generation.length} presets; worst ${worst(native, (xs) => Math.min(...xs))}x`,
      met: all(native, (x) => x >= 0.5),
    });
  }
  const wfdbRatios = r.wfdb.map((w) => w.ratio);
  targets.push({
    name: 'WFDB decoding',
    target: '>= wfdb-python MB/s',
    measured: r.wfdb.map((w) => `${fmt(w.ratio)}x`).join(', ') || 'not measured',
    met: r.wfdb.length === 0 ? null : all(wfdbRatios, (x) => x >= 1),
  });
  const m = r.metrics;
  targets.push({
    name: 'caption metrics',
    target: `>= 10x pycocoevalcap pairs/s, BLEU-1..4, ROUGE-L, CIDEr-D equal (|Δ| <= ${EQUAL_SCORES})`,
    measured: m ? `${m.ratio}x, max |Δ| ${fmt(m.max_abs_diff)}` : 'not measured',
    met: m ? m.ratio >= 10 && m.max_abs_diff !== null && m.max_abs_diff <= EQUAL_SCORES : null,
  });
  // METEOR is its own row: the kit approximates the Meteor 1.5 jar (no paraphrase table, see
  // lib/eval/meteor), so it is not equal, and one number must not hide the others' agreement.
  targets.push({
    name: 'METEOR',
    target: `equal to the Meteor 1.5 jar (|Δ| <= ${EQUAL_SCORES})`,
    measured: m ? `|Δ| ${fmt(m.meteor_abs_diff)}` : 'not measured',
    met: m ? m.meteor_abs_diff !== null && m.meteor_abs_diff <= EQUAL_SCORES : null,
  });
  const growth = r.prepare?.memory_growth;
  targets.push({
    name: 'prepare peak memory',
    target: `flat as the dataset grows (<= ${FLAT_MEMORY_FACTOR}x peak RSS for 4x the records)`,
    measured: growth ? `${growth.records} records: ${growth.peak_rss_mb} MiB (${growth.factor}x)` : 'not measured',
    met: growth ? growth.factor <= FLAT_MEMORY_FACTOR : null,
  });
  return targets;
}

function table(header: string[], rows: unknown[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.map(fmt).join(' | ')} |`)].join('\n');
}

const metText = (met: boolean | null) => (met === null ? 'not measured' : met ? '**met**' : '**not met**');

export function renderMarkdown(r: BenchResult): string {
  const m = r.machine as { cpuModel: string; cores: number; flags: string[]; loadAverage: number[]; loadAverageEnd: number[]; memoryGiB: number; node: string };
  const s = r.sizes as Record<string, unknown>;
  const py = r.python as Record<string, unknown>;
  const out: string[] = [];
  out.push(`# meit-kit benchmark (${r.mode})`, '');
  out.push(`Generated by \`npm run bench${r.mode === 'short' ? ':short' : ''}\` (scripts/bench/bench.ts) on ${r.started}, in ${r.seconds} s. Figures are medians of interleaved rounds; every number below was measured in this run.`, '');
  out.push(`- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB; flags ${m.flags.join(' ')}; Node ${m.node}`);
  out.push(`- Load average (1/5/15 min): ${m.loadAverage.join(' / ')} at the start, ${m.loadAverageEnd.join(' / ')} at the end${m.loadAverage[0]! > m.cores ? ` — **the machine was shared and overloaded (load > ${m.cores} cores): absolute timings are pessimistic; the ratios, measured interleaved, are the meaningful figures**` : ''}`);
  out.push(`- Kit backend: ${r.backend.name} (${r.backend.detail})`);
  out.push(`- PyTorch side: ${py.interpreter ? `torch ${fmt(py.torch)}, transformers ${fmt(py.transformers)}, ${fmt(py.threads)} thread(s) (--threads, also given to the native TensorFlow backend; the wasm backend has 1 under Node), CPU capability ${fmt(py.cpu_capability)}, attention ${fmt(py.attention)}` : 'not run'}`);
  out.push('');
  out.push('## Targets', '');
  out.push(table(['what', 'target', 'measured', 'status'], r.targets.map((t) => [t.name, t.target, t.measured, metText(t.met)])), '');

  out.push('## Train step', '');
  out.push(`Batch ${fmt(s.batch)} × ${fmt(s.seq)} tokens, ${fmt(s.rounds)} rounds × ${fmt(s.steps)} steps per side (after 1 warm-up step). One step = forward of the whole mini decoder, mean next-token cross-entropy over all positions, backward, one AdamW update (lr 2e-5, no weight decay) of every decoder weight — identically on both sides (PyTorch: the transformers model built from the kit's config via lib/model/hf-export.ts, eval mode so dropout is off). \`kit meit ms\` adds MEIT's ECG slot (a [B, 1, hidden] vector through every layer's K/V; kit only, transformers has no such slot; the ECG encoder is not part of the step).`, '');
  const native = r.train.some((t) => t.kit_native_ms !== undefined);
  out.push(table(
    ['preset', 'kit ms', 'torch ms', 'ratio kit/torch', 'kit meit ms', 'kit tok/s', 'torch tok/s', ...(native ? ['native ms', 'native/torch'] : [])],
    r.train.map((t) => [t.preset, t.kit_ms, t.torch_ms, t.ratio, t.kit_meit_ms, t.kit_tokens_per_s, t.torch_tokens_per_s, ...(native ? [t.kit_native_ms, t.native_ratio] : [])]),
  ), '');

  out.push('## Generation', '');
  out.push(`Greedy decoding with the KV cache, batch ${fmt(s.genBatch)}, prompt ${fmt(s.prompt)} random tokens, exactly ${fmt(s.newTokens)} new tokens per row (no EOS); tokens/s = batch × new tokens / wall time, prompt prefill included. HF side: \`model.generate(do_sample=False, num_beams=1, use_cache=True)\`.`, '');
  const gNative = r.generation.some((g) => g.kit_native_tokens_per_s !== undefined);
  out.push(table(
    ['preset', 'kit tok/s', 'hf tok/s', 'ratio kit/hf', ...(gNative ? ['native tok/s', 'native/hf'] : [])],
    r.generation.map((g) => [g.preset, g.kit_tokens_per_s, g.hf_tokens_per_s, g.ratio, ...(gNative ? [g.kit_native_tokens_per_s, g.native_ratio] : [])]),
  ), '');

  out.push('## WFDB decoding', '');
  out.push('Header + signal files → physical values, whole records (kit: readRecord, Float32Array per lead; wfdb-python: rdrecord, float64 p_signal). MB = .dat bytes.', '');
  out.push(table(['records', 'files', 'MB', 'kit MB/s', 'wfdb-python MB/s', 'ratio'], r.wfdb.map((w) => [w.records, w.files, w.megabytes, w.kit_mb_per_s, w.wfdb_mb_per_s, w.ratio])), '');

  const p = r.prepare;
  out.push('## Preparation', '');
  if (p) {
    out.push(p.what, '');
    out.push(table(['side', 'records', 'seconds', 'records/s', 'worker threads', 'peak RSS MiB'], [
      ...p.kit.map((k) => ['kit', k.records, k.seconds, k.records_per_s, k.workers, k.peak_rss_mb]),
      ...(p.wfdb_python ? [['wfdb-python', p.wfdb_python.records, p.wfdb_python.seconds, p.wfdb_python.records_per_s, '—', p.wfdb_python.peak_rss_mb]] : []),
    ]), '');
    out.push(`Records/s kit ÷ wfdb-python (largest set): ${fmt(p.ratio)}.`, '');
  } else out.push('Not run (see Skipped).', '');

  const mt = r.metrics;
  out.push('## Caption metrics', '');
  if (mt) {
    out.push(`${mt.pairs} pairs from scripts/fixtures/metrics_reference.py --bench; ${mt.what}.`, '');
    out.push(table(['kit pairs/s', 'pycocoevalcap pairs/s', 'ratio', 'max |Δ| BLEU, ROUGE-L, CIDEr-D', '|Δ| METEOR'], [[mt.kit_pairs_per_s, mt.pycocoevalcap_pairs_per_s, mt.ratio, mt.max_abs_diff, mt.meteor_abs_diff]]), '');
    out.push(table(['metric', 'kit', 'pycocoevalcap'], Object.keys(mt.pycocoevalcap_scores).map((k) => [k, mt.kit_scores[k], mt.pycocoevalcap_scores[k]])), '');
  } else out.push('Not run (see Skipped).', '');

  out.push('## Peak memory (RSS, MiB, per process)', '');
  out.push(table(['section', 'process', 'peak MiB'], Object.entries(r.memory).flatMap(([section, procs]) => Object.entries(procs).map(([proc, mb]) => [section, proc.replace(/_peak_mb$/, ''), mb]))), '');

  out.push('## Whole pipeline', '');
  if (r.reproduce.length > 0) {
    out.push('`meit reproduce --profile P --no-dvc --force` in a temporary copy of the project, each within a time budget (`--reproduce-timeout`, so that `npm run bench` stays near 10 minutes); peak RSS: the largest process (GNU time).', '');
    out.push(table(['profile', 'experiments.workers', 'wall s', 'peak RSS MiB', 'ok', 'note'], r.reproduce.map((x) => [x.profile, x.workers, x.seconds, x.peak_rss_mb, x.ok ? 'yes' : 'no', x.note ?? ''])), '');
  } else out.push('Not run (see Skipped).', '');

  out.push('## Levers', '');
  out.push(renderLevers(r), '');

  if (r.skipped.length > 0) {
    out.push('## Skipped', '');
    out.push(table(['section', 'reason'], r.skipped.map((x) => [x.section, x.reason])), '');
  }
  return out.join('\n');
}

function renderLevers(r: BenchResult): string {
  const l = r.levers as Record<string, Record<string, unknown> | undefined>;
  const out: string[] = [];
  const n = l.native;
  out.push('1. **Native TensorFlow backend** (`npm run setup:native`, scripts/setup-native.sh). TensorFlow\'s own PyPI wheel (tensorflow-cpu 2.x) has no libtensorflow.so, but its libtensorflow_cc.so.2 exports the whole C and eager C API (TF_*, TFE_* with symbol version "tensorflow") next to libtensorflow_framework.so.2, and ships the C headers under tensorflow/include. The script links those as deps/lib/libtensorflow.so, builds @tensorflow/tfjs-node 4.22\'s addon with node-gyp against the Node headers of the Debian nodejs package (/usr/include/node), offline apart from the pip/npm downloads.');
  out.push(n
    ? `   Measured in this run (${fmt((n.backend as { detail?: string } | undefined)?.detail)}): the train step runs at ${fmt(n.train_speedup_median)}x the speed of ${r.backend.name}, generation at ${fmt(n.generation_speedup_median)}x (medians over presets; per preset in the "native" columns above).`
    : `   Not measured in this run: ${r.skipped.find((s) => s.section === 'levers:native')?.reason ?? 'see Skipped'}.`);
  const a = l.fused_attention;
  out.push(`2. **Fewer, larger kernels in attention** (proposal for lib/model/attention.ts, micro-benchmark scripts/bench/attention-lever.ts): one matMul of [ECG row; text rows] with [Wq | Wk | Wv] instead of five projections, the ECG column\'s zero bias built once per forward instead of concatenated per layer, the 1/√d scale on q instead of on the scores.`);
  out.push(a ? `   ${a.shape}, forward + backward: ${fmt(a.currentMs)} ms today vs ${fmt(a.proposedMs)} ms proposed (${fmt(a.speedup)}x), outputs equal to ${fmt(a.maxAbsDiff)}.` : '   Not measured.');
  const b = l.batch_size as { preset: string; seq: number; rows: Record<string, unknown>[] } | undefined;
  out.push('3. **Larger batches per step**' + (b ? ` (${b.preset}, ${b.seq} tokens per row): ` + b.rows.map((x) => `B=${x.batch}: kit ${x.kit_tokens_per_s} tok/s (torch ${fmt(x.torch_tokens_per_s)}, ratio ${fmt(x.ratio)})`).join('; ') + '.' : ': not measured.'));
  const w = l.wasm_threads;
  out.push(`4. **WebAssembly threads**: ${w ? `${w.note} Backend as measured: ${fmt((w.measured_backend as { detail?: string }).detail)}.` : 'not measured.'}`);
  const pm = l.prod_mode;
  const verdict = (x: number) => (Math.abs(x - 1) <= 0.1 ? 'within the ±10% noise of this machine: no gain, as the backend engineer found (in tfjs 4.22 it only silences warnings)' : `a ${x > 1 ? 'gain' : 'loss'} of ${Math.abs(x - 1) * 100 | 0}% in this run`);
  out.push(`5. **tf.enableProdMode** (the kit turns it on in initBackend): ${pm ? `${pm.preset} train step ${fmt(pm.on_ms)} ms with production mode, ${fmt(pm.off_ms)} ms without (${fmt(pm.speedup)}x): ${verdict(pm.speedup as number)}.` : 'not measured.'}`);
  const serial = r.reproduce.find((x) => x.workers === 0);
  const parallel = serial && r.reproduce.find((x) => x.workers === 'auto' && x.profile === serial.profile);
  out.push(`6. **Runs side by side** (experiments.workers, lib/experiments/jobs.ts): each experiment's independent train-and-evaluate runs go to worker threads, one per core, each with its own single-threaded wasm backend. ${
    serial && parallel && serial.seconds !== null && parallel.seconds !== null
      ? `Profile ${serial.profile}, whole pipeline: ${fmt(serial.seconds)} s one after the other vs ${fmt(parallel.seconds)} s side by side (${fmt(Math.round((serial.seconds / parallel.seconds) * 100) / 100)}x, on ${(r.machine as { cores: number }).cores} cores).`
      : 'Not measured in this run (see Whole pipeline).'
  }`);
  const g = l.grouped_query;
  out.push(`7. **Grouped-query heads without copies** (applied in lib/model/attention.ts; micro-benchmark scripts/bench/attention-lever.ts): Mistral and LLaMA-3 queries regrouped by a reshape, [B, heads, T, D] → [B, kvHeads, groups·T, D], so that one matMul per kv head serves its group, instead of copying every kv head \`groups\` times with a gather (and, in training, its gradient kernel). ${
    g ? `One decoding step's attention layer, ${g.shape}: ${fmt(g.gatherMs)} ms with the gather vs ${fmt(g.regroupMs)} ms regrouped (${fmt(g.speedup)}x), outputs equal to ${fmt(g.maxAbsDiff)}; the whole effect shows in the mistral and llama-3 rows of Generation.` : 'Not measured.'
  }`);
  return out.join('\n');
}
