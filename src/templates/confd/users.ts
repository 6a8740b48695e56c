// User and group names to IDs, from /etc/passwd and /etc/group (what owner/group name in a resource).
import { readFileSync } from 'node:fs';

function lookup(file: string, name: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields[2] !== undefined && /^\d+$/.test(fields[2])) return Number(fields[2]);
  }
  return /^\d+$/.test(name) ? Number(name) : undefined;
}

export const lookupUser = (name: string): number | undefined => lookup('/etc/passwd', name);
export const lookupGroup = (name: string): number | undefined => lookup('/etc/group', name);
