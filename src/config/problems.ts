// A problem with a config value, as every area's validate() reports it: the dotted key path
// (`dns.upstreams`) and what is wrong. `weft config check` adds the line from the file.
import { locateKey, type ConfigProblem } from './load.ts';

export interface Problem {
  /** Dotted key path, e.g. `dns.upstreams`. */
  readonly path: string;
  readonly message: string;
}

/** Problem constructor for validators: `problem('dns.upstreams', '"nope" is not an address')`. */
export function problem(path: string, message: string): Problem {
  return { path, message };
}

/** Turns area problems into config problems with the line of their key in the file (when there is one). */
export function withLines(problems: readonly Problem[], text: string | undefined): ConfigProblem[] {
  return problems.map((p) => {
    const [section = '', key] = p.path.split('.');
    const line = text === undefined ? undefined : (locateKey(text, section, key) ?? locateKey(text, section));
    return { path: p.path, message: p.message, source: 'file', ...(line === undefined ? {} : { line }) };
  });
}
