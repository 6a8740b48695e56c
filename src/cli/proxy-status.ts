// How `weft status` prints the proxy area's status: routers, then services with each server's health.
interface ProxyStatus {
  routeFile?: { file?: string; lastReload?: string; lastError?: string; warnings?: readonly { path: string; message: string }[] };
  routers?: readonly { name: string; rule: string; service: string }[];
  services?: readonly { name: string; kind: string; servers?: readonly { url: string; weight: number; up?: boolean; reason?: string }[]; services?: readonly { name: string; weight: number }[] }[];
}

export function proxyStatusLines(status: unknown): string[] {
  const s = (status ?? {}) as ProxyStatus;
  const lines: string[] = [];
  const file = s.routeFile;
  if (file?.file !== undefined) lines.push(`route file ${file.file}${file.lastReload === undefined ? '' : `, loaded ${file.lastReload}`}`);
  if (file?.lastError !== undefined) lines.push(`  last change refused: ${file.lastError}`);
  for (const w of file?.warnings ?? []) lines.push(`  warning: ${w.path}: ${w.message}`);
  for (const r of s.routers ?? []) lines.push(`router ${r.name}: ${r.rule} -> ${r.service}`);
  for (const service of s.services ?? []) {
    lines.push(`service ${service.name} (${service.kind})`);
    for (const w of service.services ?? []) lines.push(`  ${w.name} weight ${w.weight}`);
    for (const server of service.servers ?? []) {
      const health = server.up === undefined ? 'unknown' : server.up ? 'up' : `DOWN${server.reason === undefined ? '' : ` (${server.reason})`}`;
      lines.push(`  ${server.url} weight ${server.weight}: ${health}`);
    }
  }
  return lines;
}
