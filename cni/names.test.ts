import { describe, expect, it } from 'vitest';
import { containerNames, isHostName } from './names.ts';

describe('container names', () => {
  it('take K8S_POD_NAME and the aliases, lowercased and once each', () => {
    expect(containerNames(new Map([['K8S_POD_NAME', 'Web-0']]), ['web-0', 'www', 'db.'])).toEqual({ names: ['web-0', 'www', 'db'], skipped: [] });
  });

  it('no pod name and no aliases: no names', () => {
    expect(containerNames(new Map([['IgnoreUnknown', '1']]), [])).toEqual({ names: [], skipped: [] });
  });

  it('skip what is not a host name', () => {
    expect(containerNames(new Map(), ['ok', 'not ok', 'a..b', `${'x'.repeat(64)}`])).toEqual({ names: ['ok'], skipped: ['not ok', 'a..b', 'x'.repeat(64)] });
    expect(isHostName('web.prod_1')).toBe(true);
  });
});
