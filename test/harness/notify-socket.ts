// A stand-in for systemd's notify socket: a unix datagram socket (Node cannot bind one, so a few
// lines of python3 do) that records every message the daemon sends through systemd-notify.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { WeftError } from '../../src/errors.ts';

const listener = `
import socket, os, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("listening", flush=True)
while True:
    # recv() discards the barrier fd systemd-notify passes, closing it as systemd would.
    data = s.recv(65536)
    for line in data.decode().split("\\n"):
        print(line, flush=True)
`;

export class NotifySocket {
  readonly path: string;
  readonly messages: string[] = [];
  readonly #child: ChildProcess;

  private constructor(path: string, child: ChildProcess) {
    this.path = path;
    this.#child = child;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.messages.push(...chunk.split('\n').filter((l) => l !== '' && l !== 'listening')));
  }

  static async open(path: string): Promise<NotifySocket> {
    const child = spawn('python3', ['-c', listener, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.on('error', () => undefined);
    const deadline = Date.now() + 5000;
    while (!existsSync(path)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new WeftError('WEFT_E_HARNESS', 'python3 could not open a unix datagram socket for the notify test (apt-get install python3)');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return new NotifySocket(path, child);
  }

  async waitFor(message: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.messages.includes(message)) {
      if (Date.now() > deadline) throw new Error(`notify socket never got ${message}; got ${JSON.stringify(this.messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.#child.kill('SIGKILL');
  }
}
