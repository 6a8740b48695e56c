// `[http.services.NAME]`: loadBalancer (servers, passHostHeader, healthCheck) and weighted, with
// Traefik's defaults (weight 1, passHostHeader true, health interval 30s, timeout 5s, GET).
import type { HealthCheckSpec, ServerSpec, ServiceSpec } from '../types.ts';
import type { Path, Reader, Table } from './reader.ts';

export const limits = { serversPerService: 10_000, weightedServices: 1_000, maxWeight: 1_000_000, urlLength: 2048 };
const defaultIntervalMs = 30_000;
const defaultTimeoutMs = 5_000;

export function readService(r: Reader, table: Table, path: Path): ServiceSpec | undefined {
  const f = r.fields(table, path, ['loadBalancer', 'weighted'], {
    mirroring: 'mirroring services',
    failover: 'failover services',
    highestRandomWeight: 'highestRandomWeight services',
    middlewares: 'service-level middlewares (put them on the router)',
  });
  if (f.has('loadBalancer') && f.has('weighted')) return r.error(path, 'a service has exactly one of loadBalancer and weighted');
  if (f.has('loadBalancer')) return readLoadBalancer(r, ...f.get('loadBalancer'));
  if (f.has('weighted')) return readWeighted(r, ...f.get('weighted'));
  if (Object.keys(table).length === 0) return r.error(path, 'the service is empty: give it a loadBalancer or weighted table');
  r.warn(path, 'no service type weft supports (loadBalancer, weighted): the service is left out');
  return undefined;
}

function readLoadBalancer(r: Reader, value: unknown, path: Path): ServiceSpec | undefined {
  const table = r.table(value, path);
  if (table === undefined) return undefined;
  const f = r.fields(table, path, ['servers', 'passHostHeader', 'healthCheck', 'strategy'], {
    sticky: 'sticky sessions',
    serversTransport: 'servers transports (upstream TLS and timeouts come from [proxy])',
    responseForwarding: 'responseForwarding (responses are streamed, never buffered)',
    passiveHealthCheck: "passiveHealthCheck settings (weft's passive health is always on)",
  });
  const [strategy, strategyPath] = f.get('strategy');
  if (strategy !== undefined && strategy !== 'wrr') r.warn(strategyPath, `strategy ${JSON.stringify(strategy)} is not supported: weighted round robin is used`);
  const [serversValue, serversPath] = f.get('servers');
  const servers: ServerSpec[] = [];
  let ok = true;
  if (serversValue !== undefined) {
    if (!Array.isArray(serversValue)) return r.error(serversPath, 'expected an array of tables ([[...servers]] or servers = [{ url = ... }])');
    if (serversValue.length > limits.serversPerService) return r.error(serversPath, `more than ${limits.serversPerService} servers`);
    serversValue.forEach((item: unknown, i) => {
      const server = readServer(r, item, [...serversPath, i]);
      if (server === undefined) ok = false;
      else servers.push(server);
    });
  }
  const [passValue, passPath] = f.get('passHostHeader');
  const passHostHeader = passValue === undefined ? true : r.boolean(passValue, passPath);
  const [hcValue, hcPath] = f.get('healthCheck');
  const healthCheck = hcValue === undefined ? undefined : readHealthCheck(r, hcValue, hcPath);
  if (!ok || passHostHeader === undefined || (hcValue !== undefined && healthCheck === undefined)) return undefined;
  return { kind: 'loadBalancer', servers, passHostHeader, ...(healthCheck === undefined ? {} : { healthCheck }) };
}

function readServer(r: Reader, value: unknown, path: Path): ServerSpec | undefined {
  const table = r.table(value, path);
  if (table === undefined) return undefined;
  const f = r.fields(table, path, ['url', 'weight', 'preservePath']);
  const [urlValue, urlPath] = f.get('url');
  if (urlValue === undefined) return r.error(path, 'a server needs a url');
  const url = checkServerUrl(r, r.string(urlValue, urlPath, { maxLength: limits.urlLength }), urlPath);
  const [weightValue, weightPath] = f.get('weight');
  const weight = weightValue === undefined ? 1 : r.integer(weightValue, weightPath, 0, limits.maxWeight);
  const [preserve, preservePath] = f.get('preservePath');
  if (preserve === true) r.warn(preservePath, "not supported by weft: the server URL's path is not prepended to requests");
  else if (preserve !== undefined) r.boolean(preserve, preservePath);
  return url === undefined || weight === undefined ? undefined : { url, weight };
}

/** An upstream URL: http or https, a host, a valid port; a path is ignored (Traefik without preservePath). */
function checkServerUrl(r: Reader, text: string | undefined, path: Path): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return r.error(path, `"${text}" is not a URL (expected http://HOST:PORT or https://HOST:PORT)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return r.error(path, `scheme ${url.protocol.slice(0, -1)} is not supported (http or https)`);
  if (url.hostname === '') return r.error(path, `"${text}" has no host`);
  if (url.username !== '' || url.password !== '') return r.error(path, 'credentials in a server URL are not supported');
  if (!validPort(text)) return r.error(path, `"${text}" has an invalid port`);
  if (url.pathname !== '/' && url.pathname !== '') r.warn(path, `the path ${url.pathname} is ignored (as Traefik does without preservePath)`);
  if (url.search !== '' || url.hash !== '') r.warn(path, 'the query and fragment of a server URL are ignored');
  return text;
}

// WHATWG URL drops a default port and accepts `host:`; Go's url.Parse wants digits after a colon.
function validPort(text: string): boolean {
  const authority = (/^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(text)?.[1] ?? '').replace(/^.*@/, '');
  const hostEnd = authority.startsWith('[') ? authority.indexOf(']') + 1 : authority.lastIndexOf(':') < 0 ? authority.length : authority.lastIndexOf(':');
  const rest = authority.slice(hostEnd);
  return rest === '' || /^:[0-9]{1,5}$/.test(rest);
}

function readHealthCheck(r: Reader, value: unknown, path: Path): HealthCheckSpec | undefined {
  const table = r.table(value, path);
  if (table === undefined) return undefined;
  const f = r.fields(table, path, ['path', 'interval', 'timeout', 'hostname', 'port', 'scheme', 'method', 'status', 'headers', 'mode'], {
    unhealthyInterval: 'unhealthyInterval (interval is used)',
    followRedirects: 'followRedirects (a redirect counts as healthy, as any 3xx)',
  });
  let ok = true;
  const get = <T>(key: Parameters<typeof f.get>[0], read: (v: unknown, p: Path) => T | undefined): T | undefined => {
    const [v, p] = f.get(key);
    if (v === undefined) return undefined;
    const out = read(v, p);
    if (out === undefined) ok = false;
    return out;
  };
  const [mode, modePath] = f.get('mode');
  if (mode !== undefined && mode !== 'http') r.warn(modePath, `mode ${JSON.stringify(mode)} is not supported: HTTP checks are used`);
  const checkPath = get('path', (v, p) => r.string(v, p, { maxLength: 2048 }));
  if (checkPath !== undefined && (/^[a-z][a-z0-9+.-]*:/i.test(checkPath) || checkPath.startsWith('//'))) ok = r.error(f.get('path')[1], 'the health check path must be a relative URL') ?? false;
  const duration = (key: 'interval' | 'timeout', fallback: number): number => {
    const ms = get(key, (v, p) => r.durationMs(v, p));
    if (ms === undefined || ms > 0) return ms ?? fallback;
    r.warn(f.get(key)[1], `not above zero: the default ${fallback / 1000}s is used (as Traefik)`);
    return fallback;
  };
  const intervalMs = duration('interval', defaultIntervalMs);
  const timeoutMs = duration('timeout', defaultTimeoutMs);
  const hostname = get('hostname', (v, p) => r.string(v, p, { maxLength: 255 }));
  const port = get('port', (v, p) => r.integer(v, p, 0, 65535));
  const scheme = get('scheme', (v, p) => (v === 'http' || v === 'https' ? v : r.error(p, 'expected "http" or "https"')));
  const method = get('method', (v, p) => {
    const m = r.string(v, p, { maxLength: 32 });
    return m === undefined || /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(m) ? m?.toUpperCase() : r.error(p, 'not an HTTP method');
  });
  const status = get('status', (v, p) => r.integer(v, p, 0, 599));
  const headers = get('headers', (v, p) => r.headerMap(v, p));
  if (!ok) return undefined;
  return {
    path: checkPath === undefined || checkPath === '' ? '/' : checkPath,
    intervalMs,
    timeoutMs,
    method: method ?? 'GET',
    headers: headers ?? {},
    ...(hostname === undefined || hostname === '' ? {} : { hostname }),
    ...(port === undefined || port === 0 ? {} : { port }),
    ...(scheme === undefined ? {} : { scheme }),
    ...(status === undefined || status === 0 ? {} : { status }),
  };
}

function readWeighted(r: Reader, value: unknown, path: Path): ServiceSpec | undefined {
  const table = r.table(value, path);
  if (table === undefined) return undefined;
  const f = r.fields(table, path, ['services'], { sticky: 'sticky sessions', healthCheck: 'health propagation through weighted services' });
  const [list, listPath] = f.get('services');
  if (list === undefined) return r.error(path, 'a weighted service needs services = [{ name = ..., weight = ... }]');
  if (!Array.isArray(list)) return r.error(listPath, 'expected an array of tables');
  if (list.length > limits.weightedServices) return r.error(listPath, `more than ${limits.weightedServices} services`);
  const services: { name: string; weight: number }[] = [];
  list.forEach((item: unknown, i) => {
    const itemTable = r.table(item, [...listPath, i]);
    if (itemTable === undefined) return;
    const g = r.fields(itemTable, [...listPath, i], ['name', 'weight']);
    const [nameValue, namePath] = g.get('name');
    const name = nameValue === undefined ? r.error([...listPath, i], 'needs a name') : r.string(nameValue, namePath, { nonEmpty: true, maxLength: 256 });
    const [weightValue, weightPath] = g.get('weight');
    const weight = weightValue === undefined ? 1 : r.integer(weightValue, weightPath, 0, limits.maxWeight);
    if (name !== undefined && weight !== undefined) services.push({ name, weight });
  });
  return services.length === list.length ? { kind: 'weighted', services } : undefined;
}
