// The line of every table header and key of a TOML text, in one left-to-right pass, so each problem's
// key path (`http.routers.web.rule`, `...servers.1.url`) finds its line without rescanning the file.
// Best effort: multi-line strings and arrays are not followed, a path not found uses its nearest parent.

import { readTomlKey as readKey, skipTomlSpace as skipSpace } from '../../config/index.ts';

export type LineIndex = ReadonlyMap<string, number>;
const sep = '\u0000';

export function indexLines(text: string): LineIndex {
  const lines = new Map<string, number>();
  const arrayCounts = new Map<string, number>();
  let table: string[] = [];
  let lineNumber = 0;
  for (const line of text.split('\n')) {
    lineNumber += 1;
    let at = skipSpace(line, 0);
    if (line[at] === '[') {
      const isArray = line[at + 1] === '[';
      const header = readKey(line, at + (isArray ? 2 : 1));
      if (header === undefined) continue;
      table = header.segments;
      for (let i = 1; i < table.length; i++) if (!lines.has(table.slice(0, i).join(sep))) lines.set(table.slice(0, i).join(sep), lineNumber);
      if (isArray) {
        const key = table.join(sep);
        const index = arrayCounts.get(key) ?? 0;
        arrayCounts.set(key, index + 1);
        if (!lines.has(key)) lines.set(key, lineNumber);
        table = [...table, String(index)];
      }
      const key = table.join(sep);
      if (!lines.has(key)) lines.set(key, lineNumber);
      continue;
    }
    const assigned = readKey(line, at);
    if (assigned === undefined || line[skipSpace(line, assigned.end)] !== '=') continue;
    at = assigned.end;
    const path = [...table, ...assigned.segments];
    for (let i = table.length + 1; i <= path.length; i++) {
      const key = path.slice(0, i).join(sep);
      if (!lines.has(key)) lines.set(key, lineNumber);
    }
  }
  return lines;
}

/** The line of `path` (segments), or of its nearest parent that has one. */
export function lineOf(index: LineIndex, path: readonly (string | number)[]): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const line = index.get(path.slice(0, n).map(String).join(sep));
    if (line !== undefined) return line;
  }
  return undefined;
}
