// Renders DNS answers the same way from dns-packet (unit tests) and from dig output (integration),
// so one table of expected answers serves both.
import dnsPacket from 'dns-packet';

export interface Rendered {
  readonly rcode: string;
  readonly flags: { aa: boolean; tc: boolean; ra: boolean; rd: boolean };
  readonly answer: string[];
  readonly authority: string[];
  readonly additional: string[];
}

function data(a: dnsPacket.Answer): string {
  const d = (a as { data?: unknown }).data as Record<string, unknown> | string | Buffer[] | undefined;
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return d as string;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return `${d as string}.`;
    case 'MX': {
      const mx = d as { preference: number; exchange: string };
      return `${mx.preference} ${mx.exchange}.`;
    }
    case 'SRV': {
      const srv = d as { priority: number; weight: number; port: number; target: string };
      return `${srv.priority} ${srv.weight} ${srv.port} ${srv.target}.`;
    }
    case 'TXT':
      return (d as Buffer[]).map((b) => `"${b.toString()}"`).join(' ');
    case 'HINFO': {
      const h = d as { cpu: string; os: string };
      return `"${h.cpu}" "${h.os}"`;
    }
    case 'SOA': {
      const s = d as { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };
      return `${s.mname}. ${s.rname}. ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    default:
      return '?';
  }
}

export function renderRecord(a: dnsPacket.Answer): string {
  return `${a.name}. ${(a as { ttl?: number }).ttl ?? 0} ${a.type} ${data(a)}`;
}

export function renderPacket(buf: Buffer): Rendered {
  const p = dnsPacket.decode(buf);
  const flags = p.flags ?? 0;
  return {
    rcode: (p as { rcode?: string }).rcode ?? 'NOERROR',
    flags: { aa: (flags & 0x400) !== 0, tc: (flags & 0x200) !== 0, ra: (flags & 0x80) !== 0, rd: (flags & 0x100) !== 0 },
    answer: (p.answers ?? []).map(renderRecord).sort(),
    authority: (p.authorities ?? []).map(renderRecord).sort(),
    additional: (p.additionals ?? []).filter((a) => a.type !== 'OPT').map(renderRecord).sort(),
  };
}

/** Parses dig's default output (+nocmd +nostats) into the same shape. */
export function renderDig(output: string): Rendered {
  const status = /status: ([A-Z]+)/.exec(output)?.[1] ?? '?';
  const flagText = /;; flags: ([a-z ]*);/.exec(output)?.[1]?.split(' ') ?? [];
  const sections: Record<string, string[]> = { ANSWER: [], AUTHORITY: [], ADDITIONAL: [] };
  let current: string[] | undefined;
  for (const line of output.split('\n')) {
    const header = /^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:/.exec(line);
    if (header) {
      current = sections[header[1] ?? ''];
      continue;
    }
    if (line.trim() === '' || line.startsWith(';')) {
      if (line.trim() === '') current = undefined;
      continue;
    }
    const parts = line.trim().split(/\s+/);
    const [owner = '', ttl = '', , type = '', ...rest] = parts;
    current?.push(`${owner} ${ttl} ${type} ${rest.join(' ')}`);
  }
  return {
    rcode: status,
    flags: { aa: flagText.includes('aa'), tc: flagText.includes('tc'), ra: flagText.includes('ra'), rd: flagText.includes('rd') },
    answer: (sections.ANSWER ?? []).sort(),
    authority: (sections.AUTHORITY ?? []).sort(),
    additional: (sections.ADDITIONAL ?? []).sort(),
  };
}

/** The types of a section's records (authority is compared by type: the SOA serial varies). */
export function types(records: readonly string[]): string[] {
  return records.map((r) => r.split(' ')[2] ?? '');
}
