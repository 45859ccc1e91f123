/**
 * Sets one top-level scalar of params.yaml in place, editing only that line so that the
 * file's comments and alignment stay exactly as the user wrote them.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.ts';
import { InputError, fileError } from '../util/errors.ts';

export async function setTopLevelParam(file: string, key: string, value: string | number | boolean): Promise<boolean> {
  if (!/^[\w-]+$/.test(key) || !/^[\w.-]+$/.test(String(value))) throw new Error(`setTopLevelParam: unsupported ${key}=${value}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fileError(err, file);
  }
  // `key: value` at column 0, keeping any trailing comment and its alignment.
  const line = new RegExp(`^(${key}:[ \\t]*)([^#\\n]*?)([ \\t]*(#.*)?)$`, 'm');
  const match = line.exec(text);
  if (!match) throw new InputError(`no top-level \`${key}:\` line to set`, { file });
  if (match[2] === String(value)) return false;
  const old = match[2]!;
  const padding = match[3]!.startsWith(' ') || match[3]!.startsWith('\t') ? match[3]!.replace(/^[ \t]*/, (ws) => ' '.repeat(Math.max(1, ws.length + old.length - String(value).length))) : match[3]!;
  await writeFileAtomic(file, text.replace(line, `${match[1]}${value}${padding}`));
  return true;
}
