/**
 * Tokenizers from Hugging Face `tokenizer.json` files, for every backbone family.
 *
 * A thin wrapper over @huggingface/tokenizers (the pure-JS port of the Rust `tokenizers`
 * pipeline: normalizer → pre-tokenizer → BPE model → post-processor, and a decoder back). It
 * reads byte-level BPE (GPT-2, GPT-Neo/J/NeoX, OPT, BLOOM, LLaMA-3) and SentencePiece-style BPE
 * with byte fallback (LLaMA-1/2, Mistral) alike; test/model/tokenizer.test.ts checks ids and
 * decodings against Python `tokenizers` for each family.
 *
 * Two choices differ from the library's defaults, to match the Rust library rather than
 * `transformers`: decoding does not "clean up tokenization spaces" unless tokenizer_config.json
 * asks for it (the clean-up is lossy: "a ." → "a."), and decoding an empty list gives "".
 */
import { existsSync } from 'node:fs';
import { copyFile, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { writeJsonAtomic } from '../util/atomic.ts';
import { InputError, fileError } from '../util/errors.ts';

export interface Tokenizer {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: number[], options?: { skipSpecialTokens?: boolean }): string;
  /** One more than the largest token id (added tokens included): the embedding rows needed. */
  readonly vocabSize: number;
  tokenId(token: string): number | undefined;
  readonly eosId: number | undefined;
  readonly bosId: number | undefined;
  readonly padId: number | undefined;
}

/** The parts of tokenizer_config.json the kit reads. */
export interface TokenizerConfig {
  bos_token?: SpecialTokenSpec | null;
  eos_token?: SpecialTokenSpec | null;
  pad_token?: SpecialTokenSpec | null;
  clean_up_tokenization_spaces?: boolean;
  [key: string]: unknown;
}
type SpecialTokenSpec = string | { content: string };

/**
 * Conventional names, tried in order when tokenizer_config.json does not name the token.
 * GPT-2-style vocabularies use one `<|endoftext|>` for both ends.
 */
const CONVENTIONAL = {
  eos: ['</s>', '<|endoftext|>', '<|end_of_text|>', '<eos>'],
  bos: ['<s>', '<|begin_of_text|>', '<bos>', '<|endoftext|>'],
  pad: ['<pad>', '<|pad|>', '[PAD]'],
};

/**
 * Loads a tokenizer from a tokenizer.json file or a directory holding one; a
 * tokenizer_config.json beside it (as in every Hugging Face model directory) is read too.
 */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw fileError(err, path);
  }
  const file = isDir ? join(path, 'tokenizer.json') : path;
  const spec = await readJson(file);
  const configFile = join(isDir ? path : dirname(path), 'tokenizer_config.json');
  const config = (await readJson(configFile, { optional: true })) ?? {};
  return tokenizerFromJson(spec, config as TokenizerConfig, file);
}

/** Builds a tokenizer from the parsed tokenizer.json (and tokenizer_config.json) objects. */
export function tokenizerFromJson(spec: unknown, config: TokenizerConfig = {}, file?: string): Tokenizer {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new InputError('tokenizer.json must hold a JSON object', { file });
  const model = (spec as { model?: { type?: unknown } }).model;
  if (!model || (model.type !== undefined && model.type !== 'BPE')) {
    throw new InputError(`unsupported tokenizer model ${JSON.stringify(model?.type)}: the kit reads BPE tokenizers`, { file });
  }
  checkBpeModel(model as { vocab?: unknown; merges?: unknown }, file);
  let inner: HfTokenizer;
  try {
    inner = new HfTokenizer({ added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, ...spec }, config);
  } catch (err) {
    throw new InputError(`cannot build the tokenizer: ${(err as Error).message}`, { file, cause: err });
  }
  return new WrappedTokenizer(inner, config);
}

/**
 * The library builds a BPE model from whatever it is given (a vocab list yields a tokenizer
 * that encodes every text as []), so the model section is checked here: vocab maps token →
 * non-negative integer id, merges is a list of "a b" strings or [a, b] pairs.
 */
function checkBpeModel(model: { vocab?: unknown; merges?: unknown }, file: string | undefined): void {
  const { vocab, merges } = model;
  if (typeof vocab !== 'object' || vocab === null || Array.isArray(vocab)) {
    throw new InputError('the vocab must be an object mapping each token to its id', { file, where: 'model.vocab' });
  }
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isSafeInteger(id) || (id as number) < 0) throw new InputError(`the vocab id of ${JSON.stringify(token)} must be a non-negative integer, got ${JSON.stringify(id)}`, { file, where: 'model.vocab' });
  }
  const isMerge = (m: unknown) => typeof m === 'string' || (Array.isArray(m) && m.length === 2 && m.every((part) => typeof part === 'string'));
  if (merges !== undefined && (!Array.isArray(merges) || !merges.every(isMerge))) {
    throw new InputError('the merges must be a list of "a b" strings or [a, b] pairs', { file, where: 'model.merges' });
  }
}

class WrappedTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosId: number | undefined;
  readonly bosId: number | undefined;
  readonly padId: number | undefined;
  private readonly cleanUpSpaces: boolean;

  constructor(
    private readonly inner: HfTokenizer,
    config: TokenizerConfig,
  ) {
    let maxId = -1;
    for (const id of inner.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    this.eosId = this.specialId(config.eos_token, CONVENTIONAL.eos);
    this.bosId = this.specialId(config.bos_token, CONVENTIONAL.bos);
    this.padId = this.specialId(config.pad_token, CONVENTIONAL.pad);
    this.cleanUpSpaces = config.clean_up_tokenization_spaces ?? false;
  }

  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.inner.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  decode(ids: number[], options: { skipSpecialTokens?: boolean } = {}): string {
    if (ids.length === 0) return '';
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`token id ${id} is outside the vocabulary [0, ${this.vocabSize})`);
    }
    return this.inner.decode(ids, { skip_special_tokens: options.skipSpecialTokens ?? false, clean_up_tokenization_spaces: this.cleanUpSpaces });
  }

  tokenId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  /** The id of the configured token, else of the first conventional name in the vocabulary. */
  private specialId(configured: SpecialTokenSpec | null | undefined, conventional: string[]): number | undefined {
    if (configured !== undefined) {
      if (configured === null) return undefined; // explicitly "no such token"
      return this.tokenId(typeof configured === 'string' ? configured : configured.content);
    }
    for (const name of conventional) {
      const id = this.tokenId(name);
      if (id !== undefined) return id;
    }
    return undefined;
  }
}

async function readJson(file: string, options: { optional?: boolean } = {}): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (options.optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(err, file);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`invalid JSON: ${(err as Error).message}`, { file });
  }
}

/**
 * Writes a tokenizer into a model directory being built: `tokenizer` is the parsed
 * tokenizer.json object, or the path of a tokenizer.json whose tokenizer_config.json sibling
 * (BOS/EOS settings) is copied along.
 */
export async function writeTokenizerFiles(dir: string, tokenizer: string | object): Promise<void> {
  if (typeof tokenizer !== 'string') {
    await writeJsonAtomic(join(dir, 'tokenizer.json'), tokenizer);
    return;
  }
  try {
    await copyFile(tokenizer, join(dir, 'tokenizer.json'));
  } catch (err) {
    throw fileError(err, tokenizer);
  }
  const tokenizerConfig = join(dirname(tokenizer), 'tokenizer_config.json');
  if (existsSync(tokenizerConfig)) await copyFile(tokenizerConfig, join(dir, 'tokenizer_config.json'));
}
