import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScpCodes } from '../../lib/data/scp-codes.ts';
import { InputError } from '../../lib/util/errors.ts';
import { readCsv } from '../../lib/util/csv.ts';
import { sharedData } from '../helpers/shared.ts';

test('scp_codes: the Python dict literal of PTB-XL, order kept', () => {
  const labels = parseScpCodes("{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}");
  assert.deepEqual(labels, { NORM: 100, LVOLT: 0, SR: 0 });
  assert.deepEqual(Object.keys(labels), ['NORM', 'LVOLT', 'SR']);
  assert.deepEqual(parseScpCodes('{}'), {});
  assert.deepEqual(parseScpCodes(' {"LAO/LAE": 50, \'PRC(S)\': 1e1,} '), { 'LAO/LAE': 50, 'PRC(S)': 10 });
});

test('scp_codes: malformed literals are InputErrors naming the file and line', () => {
  const bad = [
    "{'NORM': 100.0",            // unterminated
    "{'NORM' 100.0}",            // no colon
    "{'NORM': abc}",             // not a number
    "{'NORM': 100.0, 'NORM': 0}", // duplicate
    "{'NORM': 150}",             // likelihood out of range
    "{'NORM': -1}",
    "{'__proto__': 1}",          // not a code
    "{NORM: 1}",                 // unquoted
    "{'NORM': 1} extra",
    "[('NORM', 1)]",
    '',
  ];
  for (const text of bad) {
    assert.throws(
      () => parseScpCodes(text, { file: 'db.csv', where: 'line 7' }),
      (err: unknown) => err instanceof InputError && err.oneLine().startsWith('db.csv:line 7: malformed scp_codes'),
      text,
    );
  }
});

const ptbxl = sharedData('ptb-xl');

test('scp_codes: every row of the real PTB-XL database parses, with codes from scp_statements.csv', { skip: ptbxl.skip }, async () => {
  const statements = new Set((await readCsv(`${ptbxl.path}/scp_statements.csv`)).map((r) => r.values['']!));
  const rows = await readCsv(`${ptbxl.path}/ptbxl_database.csv`);
  assert.equal(rows.length, 500);
  let codes = 0;
  for (const row of rows) {
    const labels = parseScpCodes(row.values.scp_codes!, { where: `line ${row.line}` });
    for (const code of Object.keys(labels)) {
      assert.ok(statements.has(code), code);
      codes++;
    }
  }
  assert.ok(codes > 500);
  assert.deepEqual(parseScpCodes(rows[0]!.values.scp_codes!), { NORM: 100, LVOLT: 0, SR: 0 });
});
