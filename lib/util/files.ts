/** Reading user-supplied files with the CLI's one-line errors (file named, nothing else). */
import { readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { InputError, fileError } from './errors.ts';

/** Parses a JSON file; a missing file or invalid JSON is an InputError naming it. */
export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw fileError(err, file);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`invalid JSON: ${(err as Error).message}`, { file });
  }
}

/** Opens `path` for reading for the duration of `use`; file-system errors name the file. */
export async function withFile<T>(path: string, use: (handle: FileHandle) => Promise<T>): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw fileError(err, path);
  }
  try {
    return await use(handle);
  } catch (err) {
    throw fileError(err, path);
  } finally {
    await handle.close();
  }
}
