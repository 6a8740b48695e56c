// A stand-in for systemd's notify socket: a unix datagram socket (Node cannot bind one, so a few
// lines of python3 do) that records every message the daemon sends, with the sender's PID as the
// kernel vouches for it (SCM_CREDENTIALS, what NotifyAccess=main checks).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { WeftError } from '../../src/errors.ts';

const listener = `
import array, os, socket, struct, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
os.chmod(path, 0o777)
print("listening", flush=True)
while True:
    data, ancillary, _flags, _address = s.recvmsg(65536, 1024)
    pid = 0
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            # the barrier fd systemd-notify passes: closing it is what releases the sender
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
            for fd in fds:
                os.close(fd)
    for line in data.decode().split("\\n"):
        print(f"{pid}\\t{line}", flush=True)
`;

export class NotifySocket {
  readonly path: string;
  readonly messages: string[] = [];
  /** Each message with the PID of the process that sent it. */
  readonly received: { pid: number; message: string }[] = [];
  readonly #child: ChildProcess;

  private constructor(path: string, child: ChildProcess) {
    this.path = path;
    this.#child = child;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const tab = line.indexOf('\t');
      if (tab < 0 || line.endsWith('\t')) return; // 'listening', or the empty tail of a message
      this.received.push({ pid: Number(line.slice(0, tab)), message: line.slice(tab + 1) });
      this.messages.push(line.slice(tab + 1));
    });
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
