import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTopLevelParam } from '../../lib/config/set-param.ts';

test('setting the profile edits only its line and keeps comments aligned', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'meit-set-')), 'params.yaml');
  const text = '# top\nprofile: quick   # which profile\nseed: 0           # seed\nprofiles:\n  smoke: {}\n';
  writeFileSync(file, text);
  assert.equal(await setTopLevelParam(file, 'profile', 'smoke'), true);
  assert.equal(readFileSync(file, 'utf8'), text.replace('profile: quick   #', 'profile: smoke   #'));
  assert.equal(await setTopLevelParam(file, 'profile', 'smoke'), false);
  await setTopLevelParam(file, 'profile', 'full');
  assert.equal(readFileSync(file, 'utf8'), text.replace('profile: quick   #', 'profile: full    #'));
});
