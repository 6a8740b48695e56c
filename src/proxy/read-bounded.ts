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
    const buffer = Buffer.alloc(maxBytes + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) throw new WeftError('WEFT_E_PROXY_RELOAD', `${path} is larger than ${maxBytes} bytes; refusing to read it`);
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
