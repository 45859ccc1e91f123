/**
 * WFDB header files (`RECORD.hea`): parse and format. A header is plain data.
 *
 * Layout (https://physionet.org/physiotools/wag/header-5.htm):
 *
 *   record line  NAME NSIG [FS[/COUNTERFREQ[(BASECOUNTER)]] [NSAMPLES [BASETIME [BASEDATE]]]]
 *   signal line  FILE FORMAT[xSPF][:SKEW][+OFFSET] [GAIN[(BASELINE)][/UNITS] [ADCRES [ADCZERO
 *                [INITVAL [CHECKSUM [BLOCKSIZE [DESCRIPTION]]]]]]]
 *   `#` lines    info comments, anywhere
 *
 * Fields are positional: a line may stop after any field, and the missing ones take the
 * defaults of the WFDB library and wfdb-python (gain 200, gain 0 also meaning 200; units mV;
 * baseline = ADC zero; initial value = ADC zero). Multi-segment headers (`NAME/NSEG`) are
 * refused.
 */
import { InputError } from '../../util/errors.ts';
import { sampleFormat } from './formats.ts';

export interface WfdbSignalSpec {
  fileName: string;
  format: number;
  samplesPerFrame: number;
  skew: number;
  byteOffset: number;
  adcGain: number;
  baseline: number;
  units: string;
  adcResolution: number;
  adcZero: number;
  initialValue: number;
  checksum: number;
  blockSize: number;
  description: string;
  /**
   * How many of the line's nine positional fields the header states (2 = file and format
   * only ... 9 = with description); undefined means all. The defaults of unstated fields are
   * filled in above, but a checksum or initial value that was never stated is not verified,
   * and formatHeader writes back only the stated fields.
   */
  fieldCount?: number;
}

export interface WfdbHeader {
  recordName: string;
  nSignals: number;
  fs: number;
  /** Samples per signal (frames, for multi-frequency records); 0 when the header omits it. */
  nSamples: number;
  baseTime?: string;
  baseDate?: string;
  counterFreq?: number;
  baseCounter?: number;
  signals: WfdbSignalSpec[];
  comments: string[];
}

/** Signal-line field positions (1-based), as in the layout above. */
export const FIELD = { format: 2, gain: 3, adcResolution: 4, adcZero: 5, initialValue: 6, checksum: 7, blockSize: 8, description: 9 } as const;

/** More signals than any real recording has: refuse before allocating anything per signal. */
export const MAX_SIGNALS = 4096;
/** WFDB's frame counts are 32- or 64-bit; anything beyond 2^53 is corrupt, not a recording. */
const MAX_SAMPLES = Number.MAX_SAFE_INTEGER;
const MAX_SAMPLES_PER_FRAME = 1 << 16;

const DEFAULT_FS = 250;
const DEFAULT_GAIN = 200;

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses the text of a header; `file` names it in error messages. */
export function parseHeader(text: string, file?: string): WfdbHeader {
  return parseHeaderWithLines(text, file).header;
}

/** parseHeader, plus the line number of each signal line (for errors about signal files). */
export function parseHeaderWithLines(text: string, file?: string): { header: WfdbHeader; signalLines: number[] } {
  const comments: string[] = [];
  const lines: { text: string; line: number }[] = [];
  text.split(/\r?\n|\r/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#')) comments.push(trimmed.replace(/^#+\s*/, ''));
    else if (trimmed !== '') lines.push({ text: trimmed, line: i + 1 });
  });
  const first = lines[0];
  if (!first) throw new InputError('empty header: no record line', { file, where: 'line 1' });
  const header = parseRecordLine(first.text, file, `line ${first.line}`);
  const signalLines = lines.slice(1);
  if (signalLines.length !== header.nSignals) {
    const where = `line ${(signalLines.at(-1) ?? first).line}`;
    throw new InputError(
      `the record line declares ${header.nSignals} signal(s) but the header has ${signalLines.length} signal line(s)`,
      { file, where },
    );
  }
  header.signals = signalLines.map((l) => parseSignalLine(l.text, file, `line ${l.line}`));
  header.comments = comments;
  const lineNumbers = signalLines.map((l) => l.line);
  checkFileGroups(header, (i) => ({ file, where: `line ${lineNumbers[i]}` }));
  return { header, signalLines: lineNumbers };
}

function parseRecordLine(line: string, file: string | undefined, where: string): WfdbHeader {
  const fail = (message: string) => new InputError(message, { file, where });
  const tokens = line.split(/\s+/);
  if (tokens.length < 2) throw fail(`record line needs a record name and a signal count, got ${JSON.stringify(line)}`);
  if (tokens.length > 6) throw fail(`record line has ${tokens.length} fields, at most 6 are allowed`);
  const [nameToken, nSigToken, fsToken, nSamplesToken, baseTime, baseDate] = tokens as [string, string, ...(string | undefined)[]];
  if (nameToken.includes('/')) throw fail('multi-segment records are not supported');
  const nSignals = integerField(nSigToken, 'signal count', fail);
  if (nSignals < 0 || nSignals > MAX_SIGNALS) throw fail(`signal count ${nSignals} is outside 0..${MAX_SIGNALS}`);

  const header: WfdbHeader = { recordName: nameToken, nSignals, fs: DEFAULT_FS, nSamples: 0, signals: [], comments: [] };
  if (fsToken !== undefined) {
    const m = /^([^/()]+)(?:\/([^/()]+)(?:\(([^()]+)\))?)?$/.exec(fsToken);
    if (!m) throw fail(`bad sampling frequency field ${JSON.stringify(fsToken)}; expected FS[/COUNTERFREQ[(BASECOUNTER)]]`);
    header.fs = decimalField(m[1]!, 'sampling frequency', fail);
    if (!(header.fs > 0)) throw fail(`sampling frequency must be positive, got ${m[1]}`);
    if (m[2] !== undefined) header.counterFreq = decimalField(m[2], 'counter frequency', fail);
    if (m[3] !== undefined) header.baseCounter = decimalField(m[3], 'base counter', fail);
  }
  if (nSamplesToken !== undefined) {
    header.nSamples = integerField(nSamplesToken, 'sample count', fail);
    if (header.nSamples < 0 || header.nSamples > MAX_SAMPLES) throw fail(`sample count ${nSamplesToken} is outside 0..2^53`);
  }
  if (baseTime !== undefined) {
    if (!/^\d{1,2}(:\d{1,2}){0,2}(\.\d+)?$/.test(baseTime)) throw fail(`bad base time ${JSON.stringify(baseTime)}; expected HH:MM:SS`);
    header.baseTime = baseTime;
  }
  if (baseDate !== undefined) {
    if (!/^\d{1,2}\/\d{1,2}\/\d{1,4}$/.test(baseDate)) throw fail(`bad base date ${JSON.stringify(baseDate)}; expected DD/MM/YYYY`);
    header.baseDate = baseDate;
  }
  return header;
}

function parseSignalLine(line: string, file: string | undefined, where: string): WfdbSignalSpec {
  const fail = (message: string) => new InputError(message, { file, where });
  // The description is the rest of the line after the 8th field and may contain spaces, and
  // any character: `s` lets `.` match U+2028/U+2029, which do not end a header line.
  const m = /^(\S+)(?:\s+(\S+))?(?:\s+(\S+))?(?:\s+(\S+))?(?:\s+(\S+))?(?:\s+(\S+))?(?:\s+(\S+))?(?:\s+(\S+))?(?:\s+(.*))?$/s.exec(line)!;
  const fields = m.slice(1).filter((f): f is string => f !== undefined);
  const [fileName, formatToken, gainToken, resToken, zeroToken, initToken, sumToken, blockToken, description] = fields;
  if (formatToken === undefined) throw fail(`signal line needs a file name and a format, got ${JSON.stringify(line)}`);

  const fm = /^(\d+)(?:x(\d+))?(?::(\d+))?(?:\+(\d+))?$/.exec(formatToken);
  if (!fm) throw fail(`bad format field ${JSON.stringify(formatToken)}; expected FORMAT[xSPF][:SKEW][+OFFSET]`);
  const format = Number(fm[1]);
  sampleFormat(format, { file, where }); // refuses FLAC and unknown formats here, with the line
  if (fileName === '~') throw fail('null signals (file name "~") are not supported');
  const samplesPerFrame = fm[2] === undefined ? 1 : Number(fm[2]);
  if (samplesPerFrame < 1 || samplesPerFrame > MAX_SAMPLES_PER_FRAME) throw fail(`samples per frame ${fm[2]} is outside 1..${MAX_SAMPLES_PER_FRAME}`);
  const skew = fm[3] === undefined ? 0 : Number(fm[3]);
  const byteOffset = fm[4] === undefined ? 0 : Number(fm[4]);
  if (!Number.isSafeInteger(skew) || !Number.isSafeInteger(byteOffset)) throw fail(`skew or byte offset too large in ${JSON.stringify(formatToken)}`);

  let adcGain = DEFAULT_GAIN;
  let baselineText: string | undefined;
  let units = 'mV';
  if (gainToken !== undefined) {
    const gm = /^([^()/]+)(?:\(([^()]*)\))?(?:\/(.+))?$/.exec(gainToken);
    if (!gm) throw fail(`bad gain field ${JSON.stringify(gainToken)}; expected GAIN[(BASELINE)][/UNITS]`);
    adcGain = decimalField(gm[1]!, 'ADC gain', fail);
    if (adcGain === 0) adcGain = DEFAULT_GAIN; // WFDB: a gain of 0 means the default
    baselineText = gm[2];
    if (gm[3] !== undefined) units = gm[3];
  }
  const adcResolution = resToken === undefined ? 0 : integerField(resToken, 'ADC resolution', fail);
  if (adcResolution < 0 || adcResolution > 32) throw fail(`ADC resolution ${adcResolution} is outside 0..32 bits`);
  const adcZero = zeroToken === undefined ? 0 : integerField(zeroToken, 'ADC zero', fail);
  const baseline = baselineText === undefined ? adcZero : integerField(baselineText, 'baseline', fail);
  const initialValue = initToken === undefined ? adcZero : integerField(initToken, 'initial value', fail);
  const checksum = sumToken === undefined ? 0 : integerField(sumToken, 'checksum', fail);
  const blockSize = blockToken === undefined ? 0 : integerField(blockToken, 'block size', fail);
  if (blockSize < 0) throw fail(`block size must not be negative, got ${blockSize}`);
  return {
    fileName: fileName!,
    format,
    samplesPerFrame,
    skew,
    byteOffset,
    adcGain,
    baseline,
    units,
    adcResolution,
    adcZero,
    initialValue,
    checksum,
    blockSize,
    description: description?.trim() ?? '',
    fieldCount: fields.length,
  };
}

/**
 * Signals sharing a file are interleaved frame by frame, so they must share its format. (The
 * byte offset belongs to the file too; as in the WFDB library, the first signal's is used.)
 * `place(i)` names signal i in the error.
 */
export function checkFileGroups(header: WfdbHeader, place: (i: number) => { file?: string; where?: string }): void {
  const firstOfFile = new Map<string, WfdbSignalSpec>();
  header.signals.forEach((s, i) => {
    const first = firstOfFile.get(s.fileName);
    if (!first) firstOfFile.set(s.fileName, s);
    else if (s.format !== first.format) {
      throw new InputError(`signal ${i} is stored in ${s.fileName} with format ${s.format}, but an earlier signal in that file has format ${first.format}`, place(i));
    }
  });
}

function integerField(token: string, what: string, fail: (m: string) => InputError): number {
  if (!INTEGER.test(token)) throw fail(`${what} must be an integer, got ${JSON.stringify(token)}`);
  const value = Number(token);
  if (!Number.isSafeInteger(value)) throw fail(`${what} ${token} is too large`);
  return value === 0 ? 0 : value; // "-0" is 0: -0 would print back as "0" anyway
}

function decimalField(token: string, what: string, fail: (m: string) => InputError): number {
  if (!DECIMAL.test(token)) throw fail(`${what} must be a number, got ${JSON.stringify(token)}`);
  const value = Number(token);
  if (!Number.isFinite(value)) throw fail(`${what} ${token} is out of range`);
  return value === 0 ? 0 : value;
}

/**
 * Formats a header as WFDB text. Gains are written like Python floats ("1000.0"), baselines
 * and units always, so that the headers the kit writes look like PTB-XL's and MIMIC-IV-ECG's
 * (`00001_hr.dat 16 1000.0(0)/mV 16 0 -115 13047 0 I`).
 */
export function formatHeader(header: WfdbHeader): string {
  let fsField = String(header.fs);
  if (header.counterFreq !== undefined) {
    fsField += `/${header.counterFreq}`;
    if (header.baseCounter !== undefined) fsField += `(${header.baseCounter})`;
  }
  const recordLine = [header.recordName, String(header.signals.length), fsField, String(header.nSamples), header.baseTime, header.baseTime === undefined ? undefined : header.baseDate];
  const lines = [recordLine.filter((f) => f !== undefined).join(' ')];
  for (const s of header.signals) lines.push(formatSignalLine(s));
  for (const c of header.comments) lines.push(`# ${c}`);
  return lines.join('\n') + '\n';
}

function formatSignalLine(s: WfdbSignalSpec): string {
  let format = String(s.format);
  if (s.samplesPerFrame !== 1) format += `x${s.samplesPerFrame}`;
  if (s.skew !== 0) format += `:${s.skew}`;
  if (s.byteOffset !== 0) format += `+${s.byteOffset}`;
  const fields = [
    s.fileName,
    format,
    `${formatGain(s.adcGain)}(${s.baseline})/${s.units}`,
    String(s.adcResolution),
    String(s.adcZero),
    String(s.initialValue),
    String(s.checksum),
    String(s.blockSize),
    s.description,
  ];
  const count = Math.max(FIELD.format, Math.min(s.fieldCount ?? fields.length, fields.length));
  return fields.slice(0, count).join(' ').trimEnd();
}

/** Python's repr of a float: integral values keep a ".0". */
function formatGain(gain: number): string {
  return Number.isInteger(gain) && Math.abs(gain) < 1e16 ? `${gain}.0` : String(gain);
}

/**
 * The header of a record as PTB-XL and MIMIC-IV-ECG store theirs: one `NAME.dat`, format 16,
 * one sample per frame, physical units mV with baseline 0, one signal per lead.
 */
export function format16Header(recordName: string, fs: number, nSamples: number, gain: number, leads: readonly string[]): WfdbHeader {
  return {
    recordName,
    nSignals: leads.length,
    fs,
    nSamples,
    signals: leads.map((description) => ({
      fileName: `${recordName}.dat`,
      format: 16,
      samplesPerFrame: 1,
      skew: 0,
      byteOffset: 0,
      adcGain: gain,
      baseline: 0,
      units: 'mV',
      adcResolution: 16,
      adcZero: 0,
      initialValue: 0,
      checksum: 0,
      blockSize: 0,
      description,
    })),
    comments: [],
  };
}
