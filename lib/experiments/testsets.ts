/**
 * Derived test sets: a prepared dataset's test split rewritten with its signals perturbed
 * (robustness) or its instructions replaced (seen vs held-out instructions), in the prepared
 * format so that `evaluateModel` reads it like any other. The train and val splits are left
 * empty, so the nearest-neighbour control cannot run on a derived set (evaluate it without
 * controls). The manifest keeps the source's provenance and says what was changed.
 */
import { join } from 'node:path';
import { type PreparedDataset, type PreparedExample, type PreparedManifest, PreparedWriter } from '../data/shards.ts';
import { buildDirAtomic, writeJsonAtomic } from '../util/atomic.ts';

export interface TestSetChange {
  /** Recorded in the manifest under `derived.change`. */
  description: string;
  /** The new signal of test example `i` (default: unchanged). */
  signal?: (leads: Float32Array[], example: PreparedExample, i: number) => Float32Array[];
  /** The new instruction of test example `i` (default: unchanged). */
  instruction?: (example: PreparedExample, i: number) => string;
}

export async function writeDerivedTestSet(source: PreparedDataset, out: string, change: TestSetChange): Promise<void> {
  const { fs, samples } = source.manifest.signal;
  await buildDirAtomic(out, async (tmp) => {
    const writer = await PreparedWriter.create(tmp, { fs, samples, maxShardBytes: 64 << 20 });
    try {
      const test = source.examples('test');
      for (let i = 0; i < test.length; i++) {
        const example = test[i]!;
        const leads = source.readSignal('test', i);
        const signal = change.signal ? change.signal(leads, example, i) : leads;
        const { shard: _shard, index: _index, ...text } = example;
        await writer.add('test', { ...text, instruction: change.instruction ? change.instruction(example, i) : example.instruction }, concat(signal));
      }
    } catch (err) {
      await writer.abandon();
      throw err;
    }
    const layout = await writer.close();
    const manifest: PreparedManifest = { ...source.manifest, ...layout, derived: { from: source.dir, change: change.description } };
    await writeJsonAtomic(join(tmp, 'manifest.json'), manifest);
  });
}

function concat(leads: readonly Float32Array[]): Float32Array {
  const n = leads[0]!.length;
  const out = new Float32Array(leads.length * n);
  leads.forEach((lead, k) => out.set(lead, k * n));
  return out;
}
