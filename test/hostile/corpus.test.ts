/**
 * The hostile-input corpus: one small file per case under test/hostile/<reader>/, each run
 * through the real `meit` command that reads it (or, where no command reads it yet, through
 * the loader). Every case must end the same way (DESIGN.md, "Errors say what and where"):
 *
 *   exit 2, exactly one stderr line `meit: error: FILE[:WHERE]: message` naming the file (and
 *   the line, byte, key or tensor where there is one), no stack trace, nothing on stdout, and
 *   nothing written: no --out directory, no temporary siblings, no change to the corpus.
 *
 * Cases that would need large files (a header over its size limit, a 10 MB CSV field) or
 * file-system objects git cannot hold (symbolic links, directories named like files) are
 * built at test time in a temp dir. Memory bombs with their RSS measurements are in
 * test/reliability/memory-bombs.test.ts. The authors' own hostile tests (test/ecg/wfdb-cli,
 * test/data/prepare-cli, test/eval/score-cli, test/model/safetensors) are not repeated here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { execFile, execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../lib/util/errors.ts';
import { loadTokenizer } from '../../lib/model/tokenizer.ts';
import { MEIT_BIN, runMeit, type MeitResult } from '../helpers/cli.ts';

const CORPUS = fileURLToPath(new URL('.', import.meta.url));
const PREPARE_PARAMS = fileURLToPath(new URL('../fixtures/data/params.yaml', import.meta.url));
const PARITY_FIXTURE = fileURLToPath(new URL('../fixtures/hf-parity/gpt2-medium', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'meit-hostile-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** How a case ran: the CLI's result, and what it left behind that it should not have. */
interface Outcome {
  result: MeitResult;
  /** Paths (relative to the case's scratch dir) that exist after the run and should not. */
  leftovers: string[];
}

interface Case {
  /** reader/name, as in the corpus tree. */
  name: string;
  /** What the one stderr line must contain: the file (as printed) and the place. */
  names: string;
  message: RegExp;
  run: () => Promise<Outcome>;
}

/** Everything under `dir`, as sorted relative paths (to see that nothing was added). */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(relative(dir, p));
      if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** A fresh scratch directory per case. */
function scratch(name: string): string {
  const dir = join(work, name.replace(/\//g, '_'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs `body` and lists what appeared in `dir` meanwhile. */
async function watching(dir: string, body: () => Promise<MeitResult>): Promise<Outcome> {
  const before = new Set(tree(dir));
  const result = await body();
  return { result, leftovers: tree(dir).filter((p) => !before.has(p)) };
}

// ---------------------------------------------------------------- WFDB: data inspect / export

/**
 * `meit data inspect RECORD`, and `meit data export RECORD` too when the case is about the
 * signal files (export parses headers with the same code as inspect, but reads signals its
 * own way: in chunks, after printing the CSV header). Neither writes files.
 */
function wfdbCases(record: string, names: string, message: RegExp, options: WfdbOptions = {}): Case[] {
  const commands = options.export ? (['inspect', 'export'] as const) : (['inspect'] as const);
  const run = options.mayHang ? runMeitWithin : runMeit;
  return commands.map((cmd) => ({
    name: `wfdb/${basename(record)} (${cmd})`,
    names,
    message,
    run: async () => ({ result: await run(['data', cmd, record]), leftovers: [] }),
  }));
}

/** runMeit, killed after 30 s: a case that would hang (a FIFO) fails instead of blocking the run. */
function runMeitWithin(args: string[]): Promise<MeitResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MEIT_BIN, ...args], { env: { ...process.env, MEIT_QUIET: '1' }, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr: err?.killed ? `${stderr}killed after 30 s: the command hung\n` : stderr });
    });
  });
}

const wfdb = (name: string) => join(CORPUS, 'wfdb', name);
const SIGNALS = { export: true };

/** Whether the case goes through export as well (it is about the signal files), and may hang. */
type WfdbOptions = { export?: boolean; mayHang?: boolean };

const WFDB_FILES: [string, string, RegExp, WfdbOptions?][] = [
  ['nan-fs', 'nan-fs.hea:line 1', /sampling frequency must be a number, got "NaN"/],
  ['inf-fs', 'inf-fs.hea:line 1', /sampling frequency 1e999 is out of range/],
  ['negative-samples', 'negative-samples.hea:line 1', /sample count -5 is outside/],
  ['negative-signals', 'negative-signals.hea:line 1', /signal count -1 is outside/],
  ['record-fields', 'record-fields.hea:line 1', /record line has 7 fields/],
  ['bad-time', 'bad-time.hea:line 1', /bad base time "25:99x"/],
  ['bad-counter', 'bad-counter.hea:line 1', /counter frequency must be a number/],
  ['spf-zero', 'spf-zero.hea:line 2', /samples per frame 0 is outside/],
  ['spf-huge', 'spf-huge.hea:line 2', /samples per frame 1000000 is outside/],
  ['adc-res', 'adc-res.hea:line 2', /ADC resolution 99 is outside/],
  ['block-size', 'block-size.hea:line 2', /block size must not be negative/],
  ['null-signal', 'null-signal.hea:line 2', /null signals/],
  ['bad-gain', 'bad-gain.hea:line 2', /bad gain field "200\(0\)\/"/],
  ['huge-integer', 'huge-integer.hea:line 2', /ADC zero 99999999999999999999 is too large/],
  ['garbage-line', 'garbage-line.hea:line', /declares 1 signal\(s\) but the header has \d+ signal line/],
  ['utf16', 'utf16.hea:line 1', /signal count must be an integer/],
  // U+2028 in the description of a line whose ADC resolution (99) is out of range: the
  // signal-line regex must match it (`.` without the `s` flag does not) to reach the field.
  ['line-separator', 'line-separator.hea:line 2', /ADC resolution 99 is outside/],
  ['huge-offset', 'huge-offset.dat:byte 20', /truncated signal file.*9007199254740020 bytes/, SIGNALS],
  ['odd-212', 'odd-212.dat:byte 4', /truncated signal file.*format 212, which take 5 bytes, but the file has 4/, SIGNALS],
  // The signal file is a directory: open() succeeds on Linux and only the first read would fail
  // (EISDIR), so it must be refused when opened, before export prints its CSV header.
  ['dat-is-dir', 'subdir', /is a directory/, SIGNALS],
  // A skew of 2^53-1: an empty read does not count skewed frames, so export must see the
  // decode-size refusal of its first chunk before it prints the CSV header.
  ['huge-skew', 'huge-skew.dat:sample 0', /refusing to decode more than \d+ samples/, SIGNALS],
];

/** WFDB cases that need files git cannot hold or should not: built in a temp dir. */
function generatedWfdbCases(): Case[] {
  const dir = join(work, 'wfdb-generated');
  mkdirSync(join(dir, 'outside'), { recursive: true });
  // A "header" of 5 MB (sparse): over the 4 MiB limit, refused before it is read.
  writeFileSync(join(dir, 'big-header.hea'), 'big-header 1 100 10\n');
  truncateSync(join(dir, 'big-header.hea'), 5 << 20);
  // RECORD.hea is a directory.
  mkdirSync(join(dir, 'dir-header.hea'));
  // The signal file is a symbolic link to itself (ELOOP).
  writeFileSync(join(dir, 'loop.hea'), 'loop 1 100 10\nloop.dat 16\n');
  symlinkSync('loop.dat', join(dir, 'loop.dat'));
  // The signal file is a link to a directory that leads out of the record directory.
  writeFileSync(join(dir, 'outside', 'secret.dat'), Buffer.alloc(20));
  mkdirSync(join(dir, 'rec'));
  symlinkSync(join(dir, 'outside'), join(dir, 'rec', 'up'));
  writeFileSync(join(dir, 'rec', 'via-dir.hea'), 'via-dir 1 100 10\nup/secret.dat 16\n');
  // FIFOs as the signal file and as the header: opening one for reading blocks until a writer
  // comes, which never happens; they must be refused as not regular files.
  writeFileSync(join(dir, 'fifo.hea'), 'fifo 1 100 10\nfifo.dat 16\n');
  execFileSync('mkfifo', [join(dir, 'fifo.dat'), join(dir, 'fifo-header.hea')]);
  return [
    ...wfdbCases(join(dir, 'fifo'), 'fifo.dat', /not a regular file/, { export: true, mayHang: true }),
    ...wfdbCases(join(dir, 'fifo-header'), 'fifo-header.hea', /not a regular file/, { mayHang: true }),
    ...wfdbCases(join(dir, 'big-header'), 'big-header.hea', /not a WFDB header: 5242880 bytes/),
    ...wfdbCases(join(dir, 'dir-header'), 'dir-header.hea', /is a directory|cannot read/),
    ...wfdbCases(join(dir, 'loop'), 'loop.dat', /too many symbolic links/, SIGNALS),
    ...wfdbCases(join(dir, 'rec', 'via-dir'), 'via-dir.hea:line 2', /symbolic link/, SIGNALS),
  ];
}

// ------------------------------------------------------- PTB-XL / MIMIC CSVs: data prepare

/** The synthetic datasets the CSV cases damage, made once by `meit data synth`. */
const datasets = { ptbxl: join(work, 'synth-ptbxl'), mimic: join(work, 'synth-mimic') };

before(async () => {
  for (const style of ['ptbxl', 'mimic'] as const) {
    const r = await runMeit(['data', 'synth', '--style', style, '--n', '3', '--seed', '1', '--fs', '100', '--out', datasets[style]]);
    assert.equal(r.code, 0, r.stderr);
  }
});

/**
 * `meit data prepare` on a copy of a synthetic dataset where `table` is replaced by the
 * corpus file (or changed by `damage`): nothing may appear in the case's directory but the
 * dataset copy — no --out, no `out.tmp-*`.
 */
function prepareCase(
  source: 'ptbxl' | 'mimic',
  name: string,
  names: string,
  message: RegExp,
  damage: (root: string) => void,
  options: { params?: string } = {},
): Case {
  return {
    name: `${source}/${name}`,
    names,
    message,
    run: async () => {
      const dir = scratch(`${source}-${name}`);
      const root = join(dir, 'root');
      cpSync(datasets[source], root, { recursive: true, verbatimSymlinks: true });
      damage(root);
      const params = options.params ?? PREPARE_PARAMS;
      return watching(dir, () => runMeit(['data', 'prepare', '--source', source, '--root', root, '--out', join(dir, 'out'), '--params', params]));
    },
  };
}

const TABLES = { database: 'ptbxl_database.csv', statements: 'scp_statements.csv', record_list: 'record_list.csv', measurements: 'machine_measurements.csv' } as const;

/** A corpus CSV named `<table>-<case>.csv` replaces that table. */
function csvFileCase(source: 'ptbxl' | 'mimic', file: string, names: string, message: RegExp): Case {
  const table = TABLES[file.split('-')[0] as keyof typeof TABLES];
  return prepareCase(source, file, names, message, (root) => cpSync(join(CORPUS, source, file), join(root, table)));
}

const PTBXL_FILES: [string, string, RegExp][] = [
  ['database-absolute-path.csv', 'ptbxl_database.csv:line 3, filename_lr', /path "\/etc\/passwd" is absolute/],
  ['database-dotdot-path.csv', 'ptbxl_database.csv:line 3, filename_lr', /leaves the dataset root/],
  ['database-duplicate-id.csv', 'ptbxl_database.csv:line 3', /duplicate ecg_id 1/],
  ['database-bad-fold.csv', 'ptbxl_database.csv:line 3', /strat_fold must be 1\.\.10, got 11/],
  ['database-unknown-code.csv', 'ptbxl_database.csv:line 3', /unknown statement NOPE/],
  ['database-code-injection.csv', 'ptbxl_database.csv:line 3', /malformed scp_codes/],
  ['database-huge-id.csv', 'ptbxl_database.csv:line 3', /ecg_id must be a non-negative integer/],
  ['database-field-count.csv', 'ptbxl_database.csv:line 3', /expected 7 fields, found 8/],
  ['database-binary.csv', 'ptbxl_database.csv:line', /NUL byte|missing column/],
  ['database-empty.csv', 'ptbxl_database.csv', /empty CSV/],
  ['database-quote-in-field.csv', 'ptbxl_database.csv:line 2', /unterminated quoted field|quote/],
  ['statements-no-code-column.csv', 'scp_statements.csv:line 1', /missing column/],
  ['statements-binary.csv', 'scp_statements.csv:line 1', /NUL byte/],
];

const MIMIC_FILES: [string, string, RegExp][] = [
  ['record_list-absolute-path.csv', 'record_list.csv:line 2, path', /is absolute/],
  ['record_list-dotdot-path.csv', 'record_list.csv:line 2, path', /leaves the dataset root/],
  ['record_list-huge-study-id.csv', 'record_list.csv:line 2', /study_id must be a non-negative integer/],
  ['record_list-negative-study-id.csv', 'record_list.csv:line 2', /study_id must be a non-negative integer, got "-40000001"/],
  ['record_list-missing-path-column.csv', 'record_list.csv:line 1', /missing column file_name|missing column path/],
  ['record_list-binary.csv', 'record_list.csv:line 1', /NUL byte/],
  ['record_list-empty.csv', 'record_list.csv', /empty CSV/],
  ['measurements-missing-columns.csv', 'machine_measurements.csv:line 1', /missing columns report_1/],
  ['measurements-binary.csv', 'machine_measurements.csv:line 1', /NUL byte/],
];

/** CSV cases built at test time: a 10 MB field, and record paths through symbolic links. */
function generatedCsvCases(): Case[] {
  const header = 'ecg_id,patient_id,report,scp_codes,strat_fold,filename_lr,filename_hr\n';
  const row = (id: number, lr: string, report = 'sinus rhythm.') => `${id},6908.0,${report},"{'SR': 100.0}",6,${lr},records500/00000/0000${id}_hr\n`;
  const outside = join(work, 'outside-root');
  mkdirSync(outside, { recursive: true });
  return [
    // 10 MB in one quoted field: refused at 1 MiB, before the rest is buffered.
    prepareCase('ptbxl', 'database-10mb-field', 'ptbxl_database.csv:line 2', /field longer than 1 MiB/, (root) =>
      writeFileSync(join(root, TABLES.database), header + row(1, 'records100/00000/00001_lr', `"${'x'.repeat(10 << 20)}"`)),
    ),
    // 10 MB without a single newline or comma in an unquoted field.
    prepareCase('ptbxl', 'database-10mb-line', 'ptbxl_database.csv:line 1', /field longer than 1 MiB/, (root) =>
      writeFileSync(join(root, TABLES.database), 'e'.repeat(10 << 20)),
    ),
    // records100 inside the root is a link to a directory outside it.
    prepareCase('ptbxl', 'database-symlinked-dir', 'ptbxl_database.csv:line 2, filename_lr', /symbolic link/, (root) => {
      cpSync(join(root, 'records100'), join(outside, 'records100'), { recursive: true });
      rmSync(join(root, 'records100'), { recursive: true });
      symlinkSync(join(outside, 'records100'), join(root, 'records100'));
      writeFileSync(join(root, TABLES.database), header + row(1, 'records100/00000/00001_lr'));
    }),
    // The record's own header is a link out of the root (e.g. to another patient's data).
    prepareCase('ptbxl', 'database-symlinked-header', 'ptbxl_database.csv:line 2, filename_lr', /symbolic link/, (root) => {
      const hea = join(root, 'records100/00000/00001_lr.hea');
      cpSync(hea, join(outside, 'stolen.hea'));
      rmSync(hea);
      symlinkSync(join(outside, 'stolen.hea'), hea);
      writeFileSync(join(root, TABLES.database), header + row(1, 'records100/00000/00001_lr'));
    }),
    prepareCase('mimic', 'record_list-symlinked-dir', 'record_list.csv:line 2, path', /symbolic link/, (root) => {
      const first = readFileSync(join(root, TABLES.record_list), 'utf8').split('\n')[1]!;
      const rel = first.split(',').at(-1)!.trim();
      const patientDir = dirname(dirname(join(root, rel)));
      cpSync(patientDir, join(outside, 'patient'), { recursive: true });
      rmSync(patientDir, { recursive: true });
      symlinkSync(join(outside, 'patient'), patientDir);
    }),
    prepareCase('mimic', 'record_list-symlinked-header', 'record_list.csv:line 2, path', /symbolic link/, (root) => {
      const first = readFileSync(join(root, TABLES.record_list), 'utf8').split('\n')[1]!;
      const hea = join(root, `${first.split(',').at(-1)!.trim()}.hea`);
      cpSync(hea, join(outside, 'stolen-mimic.hea'));
      rmSync(hea);
      symlinkSync(join(outside, 'stolen-mimic.hea'), hea);
    }),
  ];
}

// --------------------------------------------------- params.yaml: stage / data prepare

/**
 * `meit stage synth ptbxl --params FILE` in an empty working directory: the stage would write
 * data/synth/ptbxl there, so the directory must stay empty. One case per file also goes
 * through `meit data prepare --params`, which reads the same loader.
 */
function paramsCase(file: string, names: string, message: RegExp): Case {
  return {
    name: `params/${file}`,
    names,
    message,
    run: async () => {
      const dir = scratch(`params-${file}`);
      return watching(dir, () => runMeit(['stage', 'synth', 'ptbxl', '--params', join(CORPUS, 'params', file)], { cwd: dir }));
    },
  };
}

const PARAMS_FILES: [string, string, RegExp][] = [
  ['alias-bomb.yaml', 'alias-bomb.yaml', /alias|resource/],
  ['binary.yaml', 'binary.yaml', /expected a mapping|invalid YAML/],
  ['empty.yaml', 'empty.yaml', /expected a mapping at the top level/],
  ['duplicate-key.yaml', 'duplicate-key.yaml:line 2', /Map keys must be unique/],
  ['unclosed-flow.yaml', 'unclosed-flow.yaml:line', /invalid YAML/],
  ['profiles-not-mapping.yaml', 'profiles-not-mapping.yaml', /`profiles` must be a mapping/],
  ['unknown-profile.yaml', 'unknown-profile.yaml', /unknown profile "nosuch"; known: quick/],
  ['top-level-list.yaml', 'top-level-list.yaml', /expected a mapping at the top level/],
  ['two-documents.yaml', 'two-documents.yaml:line 2', /multiple documents/],
  ['wrong-type.yaml', 'wrong-type.yaml', /synth\.ptbxl\.n must be a number, got "many"/],
  ['nan-number.yaml', 'nan-number.yaml', /synth\.ptbxl\.n must be a number/],
  ['unknown-tag.yaml', 'unknown-tag.yaml', /missing key|tag|must be/],
];

/** The same loader behind `meit data prepare --params`. */
function paramsViaPrepare(file: string, names: string, message: RegExp): Case {
  const params = join(CORPUS, 'params', file);
  return prepareCase('ptbxl', `params-${file}`, names, message, () => {}, { params });
}

// ------------------------------------------------------------------- JSONL: meit score

const GOOD_PREDICTIONS = join(work, 'predictions.jsonl');
const GOOD_REFERENCES = join(work, 'references.jsonl');
writeFileSync(GOOD_PREDICTIONS, '{"id": "a", "prediction": "sinus rhythm"}\n');
writeFileSync(GOOD_REFERENCES, '{"id": "a", "references": ["sinus rhythm"]}\n');

/** A corpus file named `predictions-*` or `references-*` takes that side of `meit score`. */
function jsonlCase(file: string, names: string, message: RegExp): Case {
  const path = join(CORPUS, 'jsonl', file);
  const isPrediction = file.startsWith('predictions-');
  return {
    name: `jsonl/${file}`,
    names,
    message,
    run: async () => ({
      result: await runMeit(['score', '-p', isPrediction ? path : GOOD_PREDICTIONS, '-r', isPrediction ? GOOD_REFERENCES : path, '--json']),
      leftovers: [],
    }),
  };
}

const JSONL_FILES: [string, string, RegExp][] = [
  ['predictions-array-line.jsonl', 'predictions-array-line.jsonl:line 1', /expected a JSON object per line/],
  ['predictions-numeric-id.jsonl', 'predictions-numeric-id.jsonl:line 1', /"id" must be a non-empty string/],
  ['predictions-null-prediction.jsonl', 'predictions-null-prediction.jsonl:line 1', /"prediction" must be a string/],
  ['predictions-truncated.jsonl', 'predictions-truncated.jsonl:line 2', /invalid JSON/],
  ['predictions-utf16.jsonl', 'predictions-utf16.jsonl:line 1', /not UTF-8|NUL/],
  ['predictions-bad-utf8.jsonl', 'predictions-bad-utf8.jsonl:line 1', /not UTF-8/],
  ['predictions-nul-byte.jsonl', 'predictions-nul-byte.jsonl:line 1', /NUL/],
  ['references-empty-list.jsonl', 'references-empty-list.jsonl:line 1', /"references" must be a non-empty list of strings/],
  ['references-not-a-list.jsonl', 'references-not-a-list.jsonl:line 1', /"references" must be a non-empty list of strings/],
  ['references-non-string.jsonl', 'references-non-string.jsonl:line 1', /"references" must be a non-empty list of strings/],
  ['references-label-string.jsonl', 'references-label-string.jsonl:line 1', /"labels" must be an object of finite numbers/],
  ['references-labels-list.jsonl', 'references-labels-list.jsonl:line 1', /"labels" must be an object of finite numbers/],
  ['references-unknown-id.jsonl', 'references-unknown-id.jsonl:line 1', /id "zzz" has no prediction/],
];

/** JSONL built at test time: a directory, a 100k-deep array, a 2^31-byte sparse file. */
function generatedJsonlCases(): Case[] {
  const dir = join(work, 'jsonl-generated');
  mkdirSync(join(dir, 'predictions-dir.jsonl'), { recursive: true });
  writeFileSync(join(dir, 'predictions-deep.jsonl'), '['.repeat(100_000) + ']'.repeat(100_000) + '\n');
  writeFileSync(join(dir, 'predictions-3g.jsonl'), '');
  truncateSync(join(dir, 'predictions-3g.jsonl'), 3 * 2 ** 30);
  const run = (file: string) => async () => ({ result: await runMeit(['score', '-p', join(dir, file), '-r', GOOD_REFERENCES]), leftovers: [] });
  return [
    { name: 'jsonl/predictions-dir.jsonl', names: 'predictions-dir.jsonl', message: /is a directory/, run: run('predictions-dir.jsonl') },
    { name: 'jsonl/predictions-deep.jsonl', names: 'predictions-deep.jsonl:line 1', message: /expected a JSON object per line|invalid JSON/, run: run('predictions-deep.jsonl') },
    {
      name: 'jsonl/predictions-3g.jsonl (sparse, over 2 GiB)',
      names: 'predictions-3g.jsonl',
      message: /too large|exceeds/,
      run: run('predictions-3g.jsonl'),
    },
  ];
}

// ------------------------------------------- checkpoints (config.json, safetensors): parity

/**
 * `meit models parity --fixtures DIR` on a copy of the committed gpt2-medium parity fixture
 * with the case's files laid over it (and `remove` deleted): the loader reads config.json,
 * model.safetensors or its index, as for any Hugging Face checkpoint.
 */
function checkpointCase(name: string, names: string, message: RegExp, options: { remove?: string[]; add?: Record<string, Buffer> } = {}): Case {
  return {
    name: `checkpoint/${name}`,
    names,
    message,
    run: async () => {
      const dir = scratch(`checkpoint-${name}`);
      const fixture = join(dir, 'fixtures', 'fx');
      cpSync(PARITY_FIXTURE, fixture, { recursive: true });
      const overlay = join(CORPUS, 'checkpoint', name);
      if (existsSync(overlay)) cpSync(overlay, fixture, { recursive: true });
      for (const f of options.remove ?? []) rmSync(join(fixture, f));
      for (const [f, bytes] of Object.entries(options.add ?? {})) writeFileSync(join(fixture, f), bytes);
      return watching(dir, () => runMeit(['models', 'parity', '--fixtures', join(dir, 'fixtures')]));
    },
  };
}

const CHECKPOINT_CASES: Case[] = [
  checkpointCase('config-garbage', 'fx/config.json', /invalid JSON|not valid JSON/),
  checkpointCase('config-not-object', 'fx/config.json', /expected a JSON object/),
  checkpointCase('config-model-type', 'fx/config.json:model_type', /unsupported model_type "bert"/),
  checkpointCase('config-negative-size', 'fx/config.json:n_embd', /n_embd must be a positive integer, got -32/),
  // A config promising a 10^15-parameter model: refused on the first shape, before allocating.
  checkpointCase('config-huge-model', 'fx/model.safetensors', /tensor transformer\.wte\.weight has shape \[300, 32\], expected \[1000000000, 1048576\]/),
  checkpointCase('safetensors-garbage', 'fx/model.safetensors:byte 0', /exceeds|runs past|truncated/),
  checkpointCase('safetensors-header-terabytes', 'fx/model.safetensors:byte 0', /header length 4398046511104 exceeds/),
  checkpointCase('safetensors-bad-dtype', 'fx/model.safetensors', /tensor transformer\.wte\.weight: unsupported dtype "Q4_K"/),
  checkpointCase('safetensors-wrong-shape', 'fx/model.safetensors', /tensor transformer\.wte\.weight has shape \[2, 2\], expected \[300, 32\]/),
  checkpointCase('index-escape', 'fx/model.safetensors.index.json:weight_map.transformer.wte.weight', /leaves the dataset root/, { remove: ['model.safetensors'] }),
  checkpointCase('index-not-json', 'fx/model.safetensors.index.json', /invalid JSON|not valid JSON/, { remove: ['model.safetensors'] }),
  checkpointCase('pickle-only', 'fx', /pytorch_model\.bin is a pickle/, {
    remove: ['model.safetensors'],
    // A pickle is code to run, not data: the kit must never unpickle it. Built here so that no
    // .bin file is ever tracked (test/reliability/git-hygiene.test.ts).
    add: { 'pytorch_model.bin': Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]) },
  }),
  checkpointCase('reference-empty', 'fx/reference.json', /reference|input_ids|logits/, {
    add: { 'reference.json': Buffer.from('{}\n') },
  }),
];

// ------------------------------------------------------------ tokenizer.json: the loader

/** No command reads a tokenizer yet (train/evaluate will): the loader is called directly. */
function tokenizerCase(file: string, message: RegExp): Case {
  const path = join(CORPUS, 'tokenizer', file);
  return {
    name: `tokenizer/${file}`,
    names: file,
    message,
    run: async () => {
      try {
        await loadTokenizer(path);
        return { result: { code: 0, stdout: '', stderr: '' }, leftovers: [] };
      } catch (err) {
        // What the CLI would print for it (lib/cli/main.ts).
        if (err instanceof InputError) return { result: { code: 2, stdout: '', stderr: `meit: error: ${err.oneLine()}\n` }, leftovers: [] };
        return { result: { code: 1, stdout: '', stderr: `meit: failed: ${String(err)}\n` }, leftovers: [] };
      }
    },
  };
}

const TOKENIZER_FILES: [string, RegExp][] = [
  ['truncated.json', /invalid JSON/],
  ['not-object.json', /must hold a JSON object/],
  ['unigram.json', /unsupported tokenizer model "Unigram"/],
  ['gzip.json', /invalid JSON/],
  // A vocab list ([1, 2, 3]) would build a tokenizer that encodes every text as []: training
  // would silently run on empty targets.
  ['vocab-list.json', /vocab must be an object/],
];

// ------------------------------------------------------------------------ the run

function allCases(): Case[] {
  return [
    ...WFDB_FILES.flatMap(([name, names, message, options]) => wfdbCases(wfdb(name), names, message, options)),
    ...generatedWfdbCases(),
    ...PTBXL_FILES.map(([file, names, message]) => csvFileCase('ptbxl', file, names, message)),
    ...MIMIC_FILES.map(([file, names, message]) => csvFileCase('mimic', file, names, message)),
    ...generatedCsvCases(),
    ...PARAMS_FILES.map(([file, names, message]) => paramsCase(file, names, message)),
    paramsViaPrepare('missing.yaml', 'missing.yaml', /no such file/),
    paramsViaPrepare('binary.yaml', 'binary.yaml', /expected a mapping|invalid YAML/),
    paramsViaPrepare('alias-bomb.yaml', 'alias-bomb.yaml', /alias|resource/),
    ...JSONL_FILES.map(([file, names, message]) => jsonlCase(file, names, message)),
    ...generatedJsonlCases(),
    ...CHECKPOINT_CASES,
    ...TOKENIZER_FILES.map(([file, message]) => tokenizerCase(file, message)),
  ];
}

/** The contract every case must meet; returns the reasons it does not (empty when it does). */
function violations(c: Case, { result, leftovers }: Outcome): string[] {
  const problems: string[] = [];
  const lines = result.stderr.replace(/\n$/, '').split('\n');
  if (result.code !== 2) problems.push(`exit ${result.code}, expected 2`);
  if (lines.length !== 1) problems.push(`${lines.length} stderr lines, expected 1`);
  const line = lines[0] ?? '';
  if (!line.startsWith('meit: error: ')) problems.push('stderr does not start with "meit: error: "');
  if (!line.includes(c.names)) problems.push(`stderr does not name ${c.names}`);
  if (!c.message.test(line)) problems.push(`stderr does not match ${c.message}`);
  if (/\n\s+at |node:internal|Native stack trace/.test(result.stderr)) problems.push('stack trace on stderr');
  if (result.stdout !== '') problems.push(`stdout not empty (${result.stdout.length} chars)`);
  if (leftovers.length) problems.push(`left behind: ${leftovers.join(', ')}`);
  return problems;
}

const cases = allCases();
const corpusBefore = tree(CORPUS);

/** Runs `jobs` a few at a time: each is a node process on a shared machine. */
async function limited<T>(jobs: (() => Promise<T>)[], concurrency = 4): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

// All cases run up front, a few at a time; each then reports as its own test.
let outcomes: Promise<Outcome[]> | undefined;
const outcomeOf = (i: number) => (outcomes ??= limited(cases.map((c) => c.run)))!.then((all) => all[i]!);

for (const [i, c] of cases.entries()) {
  test(`${c.name}: exit 2, one line naming ${c.names}, nothing written`, async () => {
    const outcome = await outcomeOf(i);
    const problems = violations(c, outcome);
    assert.deepEqual(problems, [], `${c.name}\nstderr: ${outcome.result.stderr.slice(0, 2000)}`);
  });
}

test('the corpus itself is unchanged by the run (no output written next to an input)', async () => {
  await outcomeOf(0);
  assert.deepEqual(tree(CORPUS), corpusBefore);
});

test('every file of the corpus is used by a case', () => {
  const used = new Set<string>([
    ...WFDB_FILES.flatMap(([n]) => [`wfdb/${n}.hea`, `wfdb/${n}.dat`]),
    'wfdb/subdir', 'wfdb/subdir/.keep',
    ...PTBXL_FILES.map(([f]) => `ptbxl/${f}`),
    ...MIMIC_FILES.map(([f]) => `mimic/${f}`),
    ...PARAMS_FILES.map(([f]) => `params/${f}`),
    ...JSONL_FILES.map(([f]) => `jsonl/${f}`),
    ...CHECKPOINT_CASES.flatMap((c) => {
      const dir = join('checkpoint', c.name.split('/')[1]!);
      return existsSync(join(CORPUS, dir)) ? [dir, ...readdirSync(join(CORPUS, dir)).map((f) => join(dir, f))] : [];
    }),
    ...TOKENIZER_FILES.map(([f]) => `tokenizer/${f}`),
  ]);
  const entries = tree(CORPUS)
    .filter((p) => !p.endsWith('.test.ts'))
    .filter((p) => !statSync(join(CORPUS, p)).isDirectory() || p.startsWith('checkpoint/') || p === 'wfdb/subdir');
  const unused = entries.filter((p) => !used.has(p));
  assert.deepEqual(unused, []);
  // Small by construction: the large cases are generated at test time.
  for (const p of entries.filter((e) => statSync(join(CORPUS, e)).isFile())) {
    assert.ok(statSync(join(CORPUS, p)).size < 4096, `${p} is not small`);
  }
});
