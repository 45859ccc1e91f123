/** Edits one top-level scalar of params.yaml in place, keeping its comments and layout. */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { writeFileAtomic } from '../util/atomic.ts';
import { InputError, fileError } from '../util/errors.ts';

export async function setTopLevelParam(file: string, key: string, value: string | number | boolean): Promise<boolean> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fileError(err, file);
  }
  const doc = parseDocument(text);
  if (doc.errors.length) throw new InputError(`invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { file });
  if (doc.get(key) === value) return false;
  doc.set(key, value);
  await writeFileAtomic(file, doc.toString());
  return true;
}
