// One DNS-over-TCP connection (RFC 7766): length-prefixed queries, pipelined, answered in order of
// completion. Reading pauses while too many answers are pending or unread by the client, so a
// client that never reads costs a bounded amount of memory; deadlines per frame, for idleness
// (counted from the last complete query, not the last byte) and for the connection as a whole.
import type { Socket } from 'node:net';

export interface TcpLimits {
  /** Close after this long without a complete query (ms). */
  readonly idleMs: number;
  /** Close when a query started arriving this long ago and is still incomplete (ms). */
  readonly frameMs: number;
  /** Close this long after the connection opened (ms). */
  readonly connectionMs: number;
  /** Queries being answered before reading pauses. */
  readonly maxPending: number;
  /** Bytes written but not yet taken by the client before reading pauses. */
  readonly writeBuffer: number;
}

export const defaultTcpLimits: TcpLimits = { idleMs: 10_000, frameMs: 5_000, connectionMs: 300_000, maxPending: 64, writeBuffer: 65_536 };

export type Answer = (message: Buffer) => Buffer | undefined | Promise<Buffer | undefined>;

export class TcpConnection {
  readonly #socket: Socket;
  readonly #answer: Answer;
  readonly #limits: TcpLimits;
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  #pending = 0;
  #paused = false;
  readonly #opened: number;
  #lastQuery: number;
  /** When the first byte of the incomplete query came (undefined: nothing incomplete). */
  #frameStart: number | undefined;

  constructor(socket: Socket, answer: Answer, limits: TcpLimits, now = Date.now()) {
    this.#socket = socket;
    this.#answer = answer;
    this.#limits = limits;
    this.#opened = now;
    this.#lastQuery = now;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#resume());
  }

  /** Bytes this connection holds in memory: queries read but not answered, answers not yet sent. */
  get bufferedBytes(): number {
    return this.#buffered + this.#socket.writableLength;
  }

  /** Why the connection is past a deadline at `now`, or undefined. */
  expired(now: number): 'connection' | 'frame' | 'idle' | undefined {
    if (now - this.#opened > this.#limits.connectionMs) return 'connection';
    if (!this.#paused && this.#frameStart !== undefined && now - this.#frameStart > this.#limits.frameMs) return 'frame';
    if (this.#pending === 0 && now - this.#lastQuery > this.#limits.idleMs) return 'idle';
    return undefined;
  }

  #onData(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#frameStart ??= Date.now();
    this.#drain();
  }

  #blocked(): boolean {
    return this.#pending >= this.#limits.maxPending || this.#socket.writableLength >= this.#limits.writeBuffer;
  }

  /** Answers every complete query buffered, until blocked. */
  #drain(): void {
    while (this.#buffered >= 2 && !this.#socket.destroyed) {
      if (this.#blocked()) {
        this.#paused = true;
        this.#socket.pause();
        return;
      }
      const size = this.#peekLength();
      if (this.#buffered < size + 2) return;
      const frame = this.#take(size + 2);
      const now = Date.now();
      this.#lastQuery = now;
      this.#frameStart = this.#buffered > 0 ? now : undefined;
      this.#start(frame.subarray(2));
    }
  }

  #resume(): void {
    if (!this.#paused || this.#blocked() || this.#socket.destroyed) return;
    this.#paused = false;
    this.#frameStart = this.#buffered > 0 ? Date.now() : undefined;
    this.#socket.resume();
    this.#drain();
  }

  #peekLength(): number {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= 2) return first.readUInt16BE(0);
    return ((first[0] ?? 0) << 8) | (this.#chunks[1]?.[0] ?? 0);
  }

  /** The next `n` bytes as their own buffer (chunks are joined only when a query spans them). */
  #take(n: number): Buffer {
    let first = this.#chunks[0] as Buffer;
    if (first.length < n) {
      let count = 0;
      let length = 0;
      while (length < n) length += (this.#chunks[count++] as Buffer).length;
      first = Buffer.concat(this.#chunks.splice(0, count, Buffer.alloc(0)), length);
      this.#chunks[0] = first;
    }
    const out = Buffer.from(first.subarray(0, n));
    if (first.length === n) this.#chunks.shift();
    else this.#chunks[0] = first.subarray(n);
    this.#buffered -= n;
    return out;
  }

  #start(message: Buffer): void {
    let result: ReturnType<Answer>;
    try {
      result = this.#answer(message);
    } catch {
      return; // the server counted and logged it
    }
    if (!(result instanceof Promise)) {
      this.#write(result);
      return;
    }
    this.#pending += 1;
    const settle = (bytes: Buffer | undefined): void => {
      this.#pending -= 1;
      this.#write(bytes);
      this.#resume();
    };
    result.then(settle, () => settle(undefined)); // rejections are counted and logged by the server
  }

  #write(bytes: Buffer | undefined): void {
    if (bytes === undefined || this.#socket.destroyed || bytes.length > 65_535) return;
    const length = Buffer.allocUnsafe(2);
    length.writeUInt16BE(bytes.length, 0);
    this.#socket.cork(); // one segment for prefix and message, without copying the message
    this.#socket.write(length);
    this.#socket.write(bytes);
    this.#socket.uncork();
  }
}
