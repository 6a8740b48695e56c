// Measures the RSS of a real `weft dns` process before and after the resource attacks of the DNS
// review (loopback only, bounded): `cache` asks 4000 case spellings of a name holding 1000 A
// records over TCP; `tcp` pipelines 200k queries on one TCP connection that never reads.
// usage: node test/dns/attack.ts cache|tcp [path/to/src/cli/main.ts]   (default: this tree's)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import dnsPacket from 'dns-packet';
import { freePort, startEtcd } from '../harness/etcd.ts';
import { testClient } from '../harness/etcd-client.ts';

const [attack = 'cache', main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))] = process.argv.slice(2);
const name = 'big.weft.internal';

function frame(id: number, qname: string): Buffer {
  const message = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: qname }] });
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

/** The i-th case spelling of `name` (bit k of i upper-cases letter k). */
function spelling(i: number): string {
  let k = 0;
  return [...name].map((c) => (/[a-z]/.test(c) && (i >> k++) & 1 ? c.toUpperCase() : c)).join('');
}

function rssMB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `frames` on one connection; resolves after `expect` answers (or, when not reading, never reads). */
function exchange(port: number, frames: Buffer[], read: boolean): Promise<{ answers: number; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answers = 0;
    let pending = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('connect', () => {
      if (!read) socket.pause();
      for (let i = 0; i < frames.length; i += 1000) socket.write(Buffer.concat(frames.slice(i, i + 1000)));
      if (!read) resolve({ answers: 0, socket });
    });
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= pending.readUInt16BE(0) + 2) {
        pending = pending.subarray(pending.readUInt16BE(0) + 2);
        answers += 1;
      }
      if (answers >= frames.length) resolve({ answers, socket });
    });
    setTimeout(() => resolve({ answers, socket }), 120_000).unref();
  });
}

const etcd = await startEtcd();
const client = testClient(etcd.endpoints);
const port = await freePort();
const child = spawn(process.execPath, [main, 'dns', '--etcd-endpoints', etcd.endpoint, '--listen', `127.0.0.1:${port}`, '--no-forward', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
try {
  for (let i = 0; i < 1000; i++) await client.put(`/skydns/internal/weft/big/x${i}`).value(JSON.stringify({ host: `10.9.${i >> 8}.${i & 255}` })).exec();
  await client.put('/skydns/internal/weft/web').value('{"host":"10.5.1.2"}').exec();
  for (let i = 0; ; i++) {
    const ok = await exchange(port, [frame(1, name)], true).then((r) => (r.socket.destroy(), r.answers === 1)).catch(() => false);
    if (ok) break;
    if (i > 200) throw new Error('weft dns did not answer');
    await sleep(100);
  }
  await sleep(1000);
  const before = rssMB(child.pid ?? 0);
  if (attack === 'cache') {
    const after: number[] = [];
    for (let round = 0; round < 2; round++) {
      const { answers, socket } = await exchange(port, Array.from({ length: 4000 }, (_, i) => frame(i, spelling(i + round * 4000))), true);
      socket.destroy();
      if (answers !== 4000) throw new Error(`only ${answers} answers`);
      await sleep(2000);
      after.push(rssMB(child.pid ?? 0));
    }
    process.stdout.write(`cache attack: RSS ${before} MB before, ${after.join(' MB and ')} MB after the first and the second 4000 spellings\n`);
  } else {
    const one = frame(7, 'web.weft.internal');
    const { socket } = await exchange(port, Array.from({ length: 200_000 }, () => one), false);
    let peak = before;
    for (let i = 0; i < 10; i++) {
      await sleep(1000);
      peak = Math.max(peak, rssMB(child.pid ?? 0));
    }
    socket.destroy();
    process.stdout.write(`tcp attack: RSS ${before} MB before, peak ${peak} MB within 10 s of 200k pipelined queries from a client that never reads\n`);
  }
} finally {
  child.kill('SIGTERM');
  client.close();
  await etcd.destroy();
}
