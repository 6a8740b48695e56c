import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GRPCUnavailableError } from 'etcd3';
import { afterEach, describe, expect, it } from 'vitest';
import { defaults } from '../config/index.ts';
import { isWeftError } from '../errors.ts';
import { etcdClientOptions, singleHostHalfOpenMs, type EtcdSettings } from './client.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function passwordFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-etcd-client-'));
  dirs.push(dir);
  const file = join(dir, 'password');
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

const base: EtcdSettings = { ...defaults().etcd, username: 'weft' };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isWeftError(error) ? error.code : String(error);
  }
}

describe('etcd.password_file', () => {
  it.each([
    ['s3cret\n', 's3cret'],
    ['s3cret\r\n', 's3cret'],
    ['s3cret', 's3cret'],
    ['two words \n\n', 'two words \n'],
  ])('reads %j as the password %j', (content, password) => {
    expect(etcdClientOptions({ ...base, password_file: passwordFile(content) }).auth).toEqual({ username: 'weft', password });
  });

  it('refuses password and password_file together, an unreadable file, and a file without a user', () => {
    const file = passwordFile('x\n');
    expect(codeOf(() => etcdClientOptions({ ...base, password: 'y', password_file: file }))).toBe('WEFT_E_ETCD_CONFIG');
    expect(codeOf(() => etcdClientOptions({ ...base, password_file: join(file, 'missing') }))).toBe('WEFT_E_ETCD_CONFIG');
    expect(codeOf(() => etcdClientOptions({ ...base, username: '', password_file: file }))).toBe('WEFT_E_ETCD_CONFIG');
    if (process.getuid?.() !== 0) {
      chmodSync(file, 0);
      expect(codeOf(() => etcdClientOptions({ ...base, password_file: file }))).toBe('WEFT_E_ETCD_CONFIG');
    }
  });

  it('keeps the plain password when no file is set', () => {
    expect(etcdClientOptions({ ...base, password: 'pw' }).auth).toEqual({ username: 'weft', password: 'pw' });
  });
});

describe('gRPC keep-alive', () => {
  it('pings every etcd.keepalive_time while calls are open, and gives up after keepalive_timeout', () => {
    expect(etcdClientOptions(base).grpcOptions).toMatchObject({
      'grpc.keepalive_time_ms': 6000,
      'grpc.keepalive_timeout_ms': 2000,
      'grpc.keepalive_permit_without_calls': 0,
    });
    expect(etcdClientOptions({ ...base, keepalive_time: 7000, keepalive_timeout: 3000 }).grpcOptions).toMatchObject({
      'grpc.keepalive_time_ms': 7000,
      'grpc.keepalive_timeout_ms': 3000,
    });
  });

  it('stays at or above etcd\'s default --grpc-keepalive-min-time (5s) by default', () => {
    expect(defaults().etcd.keepalive_time).toBeGreaterThanOrEqual(5000);
  });
});

describe('circuit breaker', () => {
  const unavailable = (): Promise<never> => Promise.reject(new GRPCUnavailableError('14 UNAVAILABLE: connection refused'));

  it('with one endpoint, lets a call through again 500 ms after three failures (not the library\'s 5 s)', async () => {
    const breaker = etcdClientOptions(base).faultHandling?.host?.('http://127.0.0.1:2379');
    if (breaker === undefined) throw new Error('no host policy');
    for (let i = 0; i < 3; i++) await expect(breaker.execute(unavailable)).rejects.toThrow('UNAVAILABLE');
    await expect(breaker.execute(async () => 'ok')).rejects.toThrow(/circuit breaker is open/);
    await new Promise((resolve) => setTimeout(resolve, singleHostHalfOpenMs + 50));
    expect(await breaker.execute(async () => 'ok')).toBe('ok');
  });

  it('with several endpoints, keeps the library\'s breaker (calls stay away from a dead member)', () => {
    expect(etcdClientOptions({ ...base, endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'] }).faultHandling?.host).toBeUndefined();
  });
});
