/** Content hashes for manifests: sha256, hex. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { fileError } from './errors.ts';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    throw fileError(err, path);
  }
  return hash.digest('hex');
}
