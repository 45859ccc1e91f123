/**
 * A small byte-level BPE trainer: the kit's own tokenizer for the mini presets.
 *
 * The mini backbones share one vocabulary trained on the training reports, so that they differ
 * only in architecture. The result is a GPT-2-style tokenizer.json (ByteLevel pre-tokenizer and
 * decoder, BPE model), read back by loadTokenizer/tokenizerFromJson like any Hugging Face file.
 *
 * Training: texts are split on the special tokens (which never take part in merges), cut into
 * words by the GPT-2 regex, mapped to GPT-2's printable byte alphabet, and counted. Then the
 * most frequent adjacent pair is merged until the vocabulary is full. Pair counts are updated
 * incrementally (only words containing the merged pair are revisited) and kept in a max-heap
 * with lazy deletion. Ties are broken by the smaller left token id, then the smaller right token
 * id, so the result depends only on the texts and the options.
 *
 * Vocabulary layout: the special tokens first (ids 0..k-1), then the 256 bytes in byte order,
 * then one token per merge.
 */

export interface BpeOptions {
  /** Total vocabulary size, special tokens and the 256 bytes included. */
  vocabSize: number;
  /** Tokens kept whole, e.g. ['<|user|>', '<|assistant|>', '</s>', '<pad>']. */
  specialTokens?: string[];
  /** Pairs seen fewer times than this are not merged (default 2). */
  minFrequency?: number;
}

/** The GPT-2 pre-tokenizer regex (as in @huggingface/tokenizers' ByteLevel). */
const WORD = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** GPT-2's map from bytes to printable characters (so that every token is visible text). */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map = new Array<string>(256);
  for (const b of printable) map[b] = String.fromCharCode(b);
  let next = 0;
  for (let b = 0; b < 256; b++) if (map[b] === undefined) map[b] = String.fromCharCode(256 + next++);
  return map;
}

/** Trains a byte-level BPE and returns the tokenizer.json object. */
export function trainBpe(texts: Iterable<string>, options: BpeOptions): Record<string, unknown> {
  const specials = options.specialTokens ?? [];
  const minFrequency = options.minFrequency ?? 2;
  if (new Set(specials).size !== specials.length) throw new Error('trainBpe: duplicate special tokens');
  if (options.vocabSize < specials.length + 256) throw new Error(`trainBpe: vocabSize must be at least ${specials.length + 256} (special tokens + 256 bytes)`);

  const byteChars = bytesToUnicode();
  const tokens: string[] = [...specials, ...byteChars];
  const byteBase = specials.length;

  const { words, counts } = countWords(texts, specials, byteBase);
  const merges = learnMerges(words, counts, tokens, options.vocabSize, minFrequency);

  const vocab: Record<string, number> = {};
  tokens.forEach((token, id) => (vocab[token] = id));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => [tokens[a]!, tokens[b]!]),
    },
  };
}

/** Distinct words as arrays of byte token ids, with their counts. */
function countWords(texts: Iterable<string>, specials: string[], byteBase: number): { words: number[][]; counts: number[] } {
  const splitter = specials.length > 0 ? new RegExp(specials.map(escapeRegExp).join('|'), 'g') : undefined;
  const encoder = new TextEncoder();
  const byWord = new Map<string, number>();
  for (const text of texts) {
    for (const piece of splitter ? text.split(splitter) : [text]) {
      for (const match of piece.matchAll(WORD)) byWord.set(match[0], (byWord.get(match[0]) ?? 0) + 1);
    }
  }
  // Sorted so that word order (and with it every later iteration) does not depend on text order.
  const entries = [...byWord].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    words: entries.map(([word]) => Array.from(encoder.encode(word), (byte) => byteBase + byte)),
    counts: entries.map(([, count]) => count),
  };
}

/** Pair (a, b) of token ids as one number; ids stay far below 2^21. */
const pairKey = (a: number, b: number) => a * 2_097_152 + b;

/**
 * Merges until `tokens` reaches vocabSize. `tokens` is extended in place with the merged
 * tokens; returns the merged pairs in order.
 */
function learnMerges(words: number[][], counts: number[], tokens: string[], vocabSize: number, minFrequency: number): [number, number][] {
  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  /** Adds (sign 1) or removes (sign -1) the pairs of word w; notes the pairs it changed. */
  const countPairs = (w: number, sign: 1 | -1, changed?: Set<number>) => {
    const word = words[w]!;
    for (let i = 0; i + 1 < word.length; i++) {
      const key = pairKey(word[i]!, word[i + 1]!);
      const count = (pairCounts.get(key) ?? 0) + sign * counts[w]!;
      if (count > 0) pairCounts.set(key, count);
      else pairCounts.delete(key);
      changed?.add(key);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  words.forEach((_, w) => countPairs(w, 1));

  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: [number, number][] = [];
  while (tokens.length < vocabSize) {
    const best = heap.pop();
    if (!best) break;
    const [count, key] = best;
    if (pairCounts.get(key) !== count) continue; // stale entry: the count changed since it was pushed
    if (count < minFrequency) break;
    const a = Math.floor(key / 2_097_152);
    const b = key - a * 2_097_152;
    const merged = tokens.length;
    tokens.push(tokens[a]! + tokens[b]!);
    merges.push([a, b]);
    const changed = new Set<number>();
    for (const w of pairWords.get(key)!) {
      const word = words[w]!;
      if (!word.some((t, i) => t === a && word[i + 1] === b)) continue; // the pair left this word earlier
      countPairs(w, -1, changed);
      const out: number[] = [];
      for (let i = 0; i < word.length; i++) {
        if (word[i] === a && word[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(word[i]!);
      }
      words[w] = out;
      countPairs(w, 1, changed);
    }
    pairWords.delete(key);
    // Re-queue every pair whose count moved; their older heap entries are now stale.
    for (const k of changed) {
      const c = pairCounts.get(k);
      if (c !== undefined) heap.push(c, k);
    }
  }
  return merges;
}

/**
 * Max-heap of (count, pair key): highest count first, then the smallest key, i.e. the smallest
 * left id, then the smallest right id.
 */
class PairHeap {
  private readonly items: [number, number][] = [];

  push(count: number, key: number): void {
    const items = this.items;
    items.push([count, key]);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): [number, number] | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.before(items[l]!, items[best]!)) best = l;
        if (r < items.length && this.before(items[r]!, items[best]!)) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best]!, items[i]!];
        i = best;
      }
    }
    return top;
  }

  private before(x: [number, number], y: [number, number]): boolean {
    return x[0] > y[0] || (x[0] === y[0] && x[1] < y[1]);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
