// Reads a file the proxy was told about (route file, certificates) without trusting its size: a
// file larger than the bound is refused, never buffered whole.
import { open } from 'node:fs/promises';
import { WeftError } from '../errors.ts';

/** The file's bytes, or WEFT_E_PROXY_RELOAD when it is larger than `maxBytes` (or cannot be read). */
export async function readBounded(path: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new WeftError('WEFT_E_PROXY_RELOAD', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  try {
    // Chunks, not one buffer of the bound: the bound is large and most files are small.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new WeftError('WEFT_E_PROXY_RELOAD', `${path} is larger than ${maxBytes} bytes; refusing to read it`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}
