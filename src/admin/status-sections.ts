// The status page's sections, one per area, each from that area's part of /v1/status. An area
// that does not run on this host gets a line saying so, never an empty table.
import { arr, badge, list, Markup, num, obj, plain, relative, table, text, type Cell, type Json } from './html.ts';

export interface SectionContext {
  readonly now: Date;
  /** Rows per table (the rest are counted in "and K more"). */
  readonly limit: number;
}

export interface Section {
  readonly id: string;
  readonly title: string;
  /** The area the section shows; absent from the status means "not enabled". */
  readonly area: string;
  render(status: Json, context: SectionContext): string;
}

const timeCell = (iso: unknown, now: Date): Cell => (typeof iso === 'string' ? new Markup(`<time datetime="${text(iso)}">${text(iso)}</time> <span class="rel">${text(relative(iso, now))}</span>`) : '');

const errorLine = (label: string, error: unknown): string => (typeof error === 'string' && error !== '' ? `<p class="error">${text(label)}: ${text(error)}</p>` : '');

const facts = (pairs: readonly [string, unknown][]): string =>
  `<dl>${pairs.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `<dt>${text(k)}</dt><dd>${text(v)}</dd>`).join('')}</dl>`;

/** Listen addresses: strings as they are, `{protocol, address, port}` as a URL-like `http://127.0.0.1:8080`. */
const listen = (value: unknown): string =>
  arr(value).map((a) => {
    if (typeof a === 'string') return a;
    const { protocol, address, port } = obj(a);
    const host = plain(address);
    return `${protocol === undefined ? '' : `${plain(protocol)}://`}${host.includes(':') ? `[${host}]` : host}:${plain(port)}`;
  }).join(' ');

const hosts: Section = {
  id: 'hosts', title: 'Hosts and subnets', area: 'subnet',
  render(s, { now, limit }) {
    const own = obj(s.lease).subnet;
    const rows = arr(s.hosts).map((h) => {
      const host = obj(h);
      return [host.subnet, host.subnet === own ? badge('ok', 'this host') : '', host.publicIP, host.backendType, host.expires === null ? 'never (reservation)' : timeCell(host.expires, now)];
    });
    return facts([['network', obj(s.network).Network ?? obj(s.network).network], ['this host', own], ['public IP', s.publicIP]])
      + table(['subnet', '', 'public IP', 'backend', 'lease expires'], rows, limit, num(s.leases) ?? rows.length)
      + errorLine('last error', s.lastError);
  },
};

const routes: Section = {
  id: 'routes', title: 'Routes of this host', area: 'overlay',
  render(s, { now, limit }) {
    if (typeof s.waitingFor === 'string') return `<p>waiting for the ${text(s.waitingFor)}</p>${errorLine('problem', s.problem)}`;
    const last = obj(s.lastPass);
    const rows = arr(s.routes).map((r) => {
      const route = obj(r);
      return [route.dst, route.gateway, route.dev, route.state === 'installed' ? badge('ok', 'installed') : badge('bad', `failed${route.error === undefined ? '' : `: ${plain(route.error)}`}`)];
    });
    return facts([['device', s.device], ['VTEP MAC', s.vtepMAC], ['last pass', last.at === undefined ? undefined : `${plain(last.at)} (${relative(last.at, now)}, ${plain(last.ops)} changes, ${plain(last.failures)} failed)`]])
      + table(['destination', 'gateway', 'device', 'state'], rows, limit, num(s.peers) ?? rows.length)
      + errorLine('last error', s.lastError)
      + (num(obj(s.rejected).leases) ? `<p class="error">${text(obj(s.rejected).leases)} peer leases refused (see weft status --json)</p>` : '');
  },
};

const dns: Section = {
  id: 'dns', title: 'DNS names', area: 'dns',
  render(s, { limit }) {
    const rows = arr(s.names).map((n) => {
      const name = obj(n);
      return [name.name, name.host, name.port, name.text, name.ttl === 0 ? 'default' : name.ttl];
    });
    const invalid = arr(s.invalidReasons).map((i) => `${plain(obj(i).key)}: ${plain(obj(i).error)}`);
    return facts([['zones', arr(s.zones).join(' ')], ['listen', listen(s.listen)], ['records', s.records]])
      + table(['name', 'host', 'port', 'text', 'TTL'], rows, limit, num(s.records) ?? rows.length)
      + (invalid.length > 0 ? `<p class="error">keys that are not records:</p>${list(invalid, limit)}` : '');
  },
};

function health(server: Json): Cell {
  if (server.up === undefined) return badge('unknown', 'no health check');
  return server.up === true ? badge('ok', 'up') : badge('bad', `down${server.reason === undefined ? '' : `: ${plain(server.reason)}`}`);
}

const proxy: Section = {
  id: 'proxy', title: 'Proxy routers and services', area: 'proxy',
  render(s, { limit }) {
    const file = obj(s.routeFile);
    const routers = arr(s.routers).map((r) => [obj(r).name, obj(r).rule, obj(r).service, obj(r).priority]);
    const servers = arr(s.services).flatMap((v) => {
      const service = obj(v);
      if (service.kind === 'weighted') return [[service.name, service.kind, arr(service.services).map((w) => `${plain(obj(w).name)} (weight ${plain(obj(w).weight)})`).join(', '), '', '']];
      const list = arr(service.servers);
      return list.length === 0 ? [[service.name, service.kind, 'no servers', '', badge('bad', 'no servers')]] : list.map((x) => [service.name, service.kind, obj(x).url, obj(x).weight, health(obj(x))]);
    });
    const warnings = arr(file.warnings).map((w) => `${plain(obj(w).path)}: ${plain(obj(w).message)}`);
    return facts([['listen', listen(s.listen)], ['route file', file.file], ['loaded', file.lastReload]])
      + errorLine('last change refused', file.lastError)
      + (warnings.length > 0 ? `<p class="error">warnings:</p>${list(warnings, limit)}` : '')
      + `<h3>Routers</h3>${table(['router', 'rule', 'service', 'priority'], routers, limit)}`
      + `<h3>Services and servers</h3>${table(['service', 'kind', 'server', 'weight', 'health'], servers, limit)}`;
  },
};

const services: Section = {
  id: 'services', title: 'Service registry', area: 'services',
  render(s, { limit }) {
    const invalid = arr(s.invalid).map((i) => (typeof i === 'string' ? i : `${plain(obj(i).key)}: ${plain(obj(i).error ?? obj(i).reason)}`));
    return facts([['prefix', s.prefix], ['services', s.services], ['servers', s.servers], ['registered by this host', s.registrations]])
      + (invalid.length > 0 ? `<p class="error">${text(s.invalidCount ?? invalid.length)} invalid keys:</p>${list(invalid, limit)}` : '');
  },
};

const templates: Section = {
  id: 'templates', title: 'confd resources', area: 'templates',
  render(s, { now, limit }) {
    const rows = Object.entries(obj(s.resources)).map(([name, r]) => {
      const state = obj(r);
      const error = state.lastError;
      return [name, state.dest, timeCell(state.lastSuccess, now), state.renders, state.failures,
        typeof error === 'string' ? badge('bad', error) : state.reloadPending === true ? badge('bad', 'reload pending') : badge('ok', 'ok')];
    });
    return facts([['confdir', s.confdir], ['watching', obj(s.watch).prefix]])
      + table(['resource', 'destination', 'last render', 'renders', 'failures', 'state'], rows, limit)
      + (arr(s.invalidResources).length > 0 ? `<p class="error">resource files skipped:</p>${list(arr(s.invalidResources), limit)}` : '');
  },
};

export const sections: readonly Section[] = [hosts, routes, dns, proxy, services, templates];
