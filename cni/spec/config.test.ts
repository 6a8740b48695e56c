import { describe, expect, it } from 'vitest';
import { configDefaults, parseConfig } from './config.ts';
import { CniError } from './errors.ts';

const base = { cniVersion: '1.1.0', name: 'weft', type: 'weft-cni' };

function codeOf(config: Record<string, unknown>, command = 'ADD'): number | undefined {
  try {
    parseConfig(config, command);
    return undefined;
  } catch (error) {
    return (error as CniError).code;
  }
}

describe('plugin config', () => {
  it('the smallest conflist entry gets every default', () => {
    const c = parseConfig(base, 'ADD');
    expect(c).toMatchObject({ cniVersion: '1.1.0', name: 'weft', subnetFile: configDefaults.subnetFile, dataDir: '/var/lib/cni/weft', adminSocket: '/run/weft/weft.sock', dns: true, delegate: {}, ipam: {}, aliases: [] });
    expect(c.validAttachments).toBeUndefined();
  });

  it('reads aliases from runtimeConfig and the GC attachment list', () => {
    const c = parseConfig({ ...base, runtimeConfig: { aliases: ['web', 'www'] }, 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }] }, 'GC');
    expect(c.aliases).toEqual(['web', 'www']);
    expect(c.validAttachments).toEqual([{ containerID: 'a', ifname: 'eth0' }]);
  });

  it("reads podman's aliases map: this network's names only", () => {
    const c = parseConfig({ ...base, runtimeConfig: { aliases: { weft: ['web'], other: ['db'] } } }, 'ADD');
    expect(c.aliases).toEqual(['web']);
    expect(parseConfig({ ...base, runtimeConfig: { aliases: { other: ['db'] } } }, 'ADD').aliases).toEqual([]);
  });

  it('dns: a boolean switches names; an object is CNI dns settings for the delegate', () => {
    expect(parseConfig({ ...base, dns: false }, 'ADD').dns).toBe(false);
    const c = parseConfig({ ...base, dns: { nameservers: ['10.5.0.10'] } }, 'ADD');
    expect(c.dns).toBe(true);
    expect(c.dnsSettings).toEqual({ nameservers: ['10.5.0.10'] });
  });

  it.each([
    ['unsupported version', { ...base, cniVersion: '0.2.0' }, 1],
    ['missing version (libcni reads 0.1.0)', { name: 'weft' }, 1],
    ['missing name', { cniVersion: '1.0.0' }, 7],
    ['bad name', { ...base, name: 'we ft' }, 7],
    ['relative subnetFile', { ...base, subnetFile: 'subnet.env' }, 7],
    ['dataDir not a string', { ...base, dataDir: 5 }, 7],
    ['adminSocket "" with dns on', { ...base, adminSocket: '' }, 7],
    ['dns a string', { ...base, dns: 'yes' }, 7],
    ['delegate not an object', { ...base, delegate: 'bridge' }, 7],
    ['delegate sets name', { ...base, delegate: { name: 'x' } }, 7],
    ['delegate sets ipam', { ...base, delegate: { ipam: {} } }, 7],
    ['delegate type with a slash', { ...base, delegate: { type: '../bin/sh' } }, 7],
    ['ipam routes not a list', { ...base, ipam: { routes: {} } }, 7],
    ['too many aliases', { ...base, runtimeConfig: { aliases: Array.from({ length: 33 }, (_, i) => `a${i}`) } }, 7],
    ['alias not a string', { ...base, runtimeConfig: { aliases: [1] } }, 7],
    ['attachments malformed', { ...base, 'cni.dev/valid-attachments': [{ containerID: 'a' }] }, 7],
  ])('refuses %s', (_what, config, code) => {
    expect(codeOf(config)).toBe(code);
  });

  it('allows CHECK from 0.4.0 and STATUS/GC from 1.1.0 only', () => {
    expect(codeOf({ ...base, cniVersion: '0.4.0' }, 'CHECK')).toBeUndefined();
    expect(codeOf({ ...base, cniVersion: '0.3.1' }, 'CHECK')).toBe(1);
    expect(codeOf({ ...base, cniVersion: '1.0.0' }, 'STATUS')).toBe(1);
    expect(codeOf({ ...base, cniVersion: '1.0.0' }, 'GC')).toBe(1);
    for (const v of ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']) expect(codeOf({ ...base, cniVersion: v }, 'ADD')).toBeUndefined();
  });
});
