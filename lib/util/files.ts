/** Reading user-supplied files with the CLI's one-line errors (file named, nothing else). */
import { constants, readFileSync } from 'node:fs';
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

/**
 * Opens a regular file for reading. Anything else is refused before a byte is read: a
 * directory opens fine on Linux and fails only at the first read, and a FIFO would block the
 * open (and then the reads) forever. O_NONBLOCK makes opening a FIFO return at once (it has
 * no effect on regular files), so the check can use fstat on what was actually opened.
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw fileError(err, path);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw new InputError('cannot read: is a directory, expected a file', { file: path });
    if (!stats.isFile()) throw new InputError('cannot read: not a regular file (a FIFO, socket or device)', { file: path });
    return handle;
  } catch (err) {
    await handle.close();
    throw fileError(err, path);
  }
}

/** Opens a regular file for reading for the duration of `use`; file-system errors name the file. */
export async function withFile<T>(path: string, use: (handle: FileHandle) => Promise<T>): Promise<T> {
  const handle = await openRegularFile(path);
  try {
    return await use(handle);
  } catch (err) {
    throw fileError(err, path);
  } finally {
    await handle.close();
  }
}
