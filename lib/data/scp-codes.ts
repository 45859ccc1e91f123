/**
 * PTB-XL's `scp_codes` column: a Python dict literal mapping SCP-ECG statement codes to the
 * cardiologist's likelihood in percent, e.g. `{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}`.
 *
 * A likelihood of 0 does not mean "absent": PTB-XL uses 0 for rhythm and form statements,
 * which carry no likelihood. Every key is a statement of the record.
 *
 * The parser accepts exactly the literal Python prints for a dict of str → float (single- or
 * double-quoted keys, int/float values, optional trailing comma) and nothing else: no `eval`.
 */
import { InputError } from '../util/errors.ts';

/** Statement code → likelihood (0–100), in the order of the literal. */
export type ScpLabels = Record<string, number>;

/**
 * SCP codes are short tokens such as NORM, 1AVB, NST_, LAO/LAE, PRC(S); requiring a leading
 * letter or digit also rules out `__proto__` as a key.
 */
const CODE = /^[A-Za-z0-9][A-Za-z0-9_/()]{0,15}$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/;

export function parseScpCodes(text: string, origin: { file?: string; where?: string } = {}): ScpLabels {
  let pos = 0;
  const fail = (why: string): never => {
    throw new InputError(`malformed scp_codes ${JSON.stringify(text.length > 80 ? text.slice(0, 77) + '...' : text)}: ${why}`, origin);
  };
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const expect = (c: string) => {
    skipSpace();
    if (text[pos] !== c) fail(`expected ${JSON.stringify(c)} at character ${pos + 1}`);
    pos++;
  };
  const readKey = (): string => {
    skipSpace();
    const quote = text[pos];
    if (quote !== "'" && quote !== '"') fail(`expected a quoted code at character ${pos + 1}`);
    const end = text.indexOf(quote!, pos + 1);
    if (end < 0) fail('unterminated string');
    const key = text.slice(pos + 1, end);
    if (!CODE.test(key)) fail(`${JSON.stringify(key)} is not an SCP statement code`);
    pos = end + 1;
    return key;
  };
  const readNumber = (): number => {
    skipSpace();
    const m = NUMBER.exec(text.slice(pos));
    if (!m) fail(`expected a number at character ${pos + 1}`);
    pos += m![0].length;
    const value = Number(m![0]);
    if (!(value >= 0 && value <= 100)) fail(`likelihood ${m![0]} is outside [0, 100]`);
    return value;
  };

  const labels: ScpLabels = {};
  expect('{');
  skipSpace();
  while (text[pos] !== '}') {
    const code = readKey();
    if (Object.hasOwn(labels, code)) fail(`duplicate code ${code}`);
    expect(':');
    labels[code] = readNumber();
    skipSpace();
    if (text[pos] === ',') {
      pos++;
      skipSpace();
    } else if (text[pos] !== '}') {
      fail(`expected "," or "}" at character ${pos + 1}`);
    }
  }
  pos++;
  skipSpace();
  if (pos !== text.length) fail(`unexpected text after "}" at character ${pos + 1}`);
  return labels;
}
