// `[http.middlewares.NAME]`: the five middleware types weft applies; any other Traefik type is a
// warning and the middleware is left out (a router naming it is then refused by the table).
import type { MiddlewareSpec } from '../types.ts';
import type { Path, Reader, Table } from './reader.ts';

const supported = ['stripPrefix', 'addPrefix', 'headers', 'retry', 'redirectScheme'] as const;
const maxRetryAttempts = 100;

export function readMiddleware(r: Reader, table: Table, path: Path): MiddlewareSpec | undefined {
  const types = Object.keys(table);
  if (types.length === 0) return r.error(path, `the middleware is empty: give it one of ${supported.join(', ')}`);
  if (types.length > 1) return r.error(path, `a middleware has exactly one type, found ${types.join(', ')}`);
  const type = types[0] as string;
  const known = supported.find((s) => s.toLowerCase() === type.toLowerCase());
  const at = [...path, type];
  if (known === undefined) {
    r.warn(at, `middleware type ${type} is not supported by weft (supported: ${supported.join(', ')}): the middleware is left out`);
    return undefined;
  }
  const body = r.table(table[type], at);
  if (body === undefined) return undefined;
  switch (known) {
    case 'stripPrefix': {
      const f = r.fields(body, at, ['prefixes'], { forceSlash: 'forceSlash (deprecated in Traefik)' });
      const [v, p] = f.get('prefixes');
      const prefixes = v === undefined ? [] : r.stringArray(v, p, 100);
      return prefixes === undefined ? undefined : { kind: 'stripPrefix', prefixes };
    }
    case 'addPrefix': {
      const f = r.fields(body, at, ['prefix']);
      const [v, p] = f.get('prefix');
      const prefix = v === undefined ? r.error(at, 'needs a prefix') : r.string(v, p, { nonEmpty: true, maxLength: 2048 });
      return prefix === undefined ? undefined : { kind: 'addPrefix', prefix };
    }
    case 'headers': {
      const f = r.fields(body, at, ['customRequestHeaders', 'customResponseHeaders'], unsupportedHeaders);
      const [reqValue, reqPath] = f.get('customRequestHeaders');
      const [resValue, resPath] = f.get('customResponseHeaders');
      const customRequestHeaders = reqValue === undefined ? {} : r.headerMap(reqValue, reqPath);
      const customResponseHeaders = resValue === undefined ? {} : r.headerMap(resValue, resPath);
      return customRequestHeaders === undefined || customResponseHeaders === undefined ? undefined : { kind: 'headers', customRequestHeaders, customResponseHeaders };
    }
    case 'retry': {
      const f = r.fields(body, at, ['attempts', 'initialInterval'], { timeout: 'retry timeout', maxRequestBodyBytes: 'maxRequestBodyBytes (bodies are streamed, never replayed)' });
      const [attemptsValue, attemptsPath] = f.get('attempts');
      // Traefik refuses attempts <= 0 ("incorrect (or empty) value for attempt").
      const attempts = attemptsValue === undefined ? r.error(at, 'needs attempts (1 or more)') : r.integer(attemptsValue, attemptsPath, 1, maxRetryAttempts);
      const [intervalValue, intervalPath] = f.get('initialInterval');
      let initialIntervalMs = intervalValue === undefined ? 0 : r.durationMs(intervalValue, intervalPath);
      if (initialIntervalMs !== undefined && initialIntervalMs < 0) initialIntervalMs = r.error(intervalPath, 'must not be negative');
      return attempts === undefined || initialIntervalMs === undefined ? undefined : { kind: 'retry', attempts, initialIntervalMs };
    }
    case 'redirectScheme': {
      const f = r.fields(body, at, ['scheme', 'port', 'permanent']);
      const [schemeValue, schemePath] = f.get('scheme');
      let scheme = schemeValue === undefined ? r.error(at, 'needs a scheme') : r.string(schemeValue, schemePath, { nonEmpty: true, maxLength: 32 });
      if (scheme !== undefined && !/^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme)) scheme = r.error(schemePath, 'not a URL scheme');
      const [portValue, portPath] = f.get('port');
      let port: string | undefined;
      let portOk = true;
      if (typeof portValue === 'number') port = String(portValue);
      else if (portValue !== undefined) port = r.string(portValue, portPath, { maxLength: 5 });
      if (port !== undefined && !/^\d{1,5}$/.test(port)) portOk = r.error(portPath, 'expected a port number') ?? false;
      if (portValue !== undefined && port === undefined) portOk = false;
      const [permanentValue, permanentPath] = f.get('permanent');
      const permanent = permanentValue === undefined ? false : r.boolean(permanentValue, permanentPath);
      if (scheme === undefined || !portOk || permanent === undefined) return undefined;
      return { kind: 'redirectScheme', scheme, permanent, ...(port === undefined || port === '' ? {} : { port }) };
    }
  }
}

const unsupportedHeaders: Record<string, string> = Object.fromEntries(
  [
    'accessControlAllowCredentials', 'accessControlAllowHeaders', 'accessControlAllowMethods', 'accessControlAllowOriginList',
    'accessControlAllowOriginListRegex', 'accessControlExposeHeaders', 'accessControlMaxAge', 'addVaryHeader', 'allowedHosts',
    'hostsProxyHeaders', 'sslProxyHeaders', 'stsSeconds', 'stsIncludeSubdomains', 'stsPreload', 'forceSTSHeader', 'frameDeny',
    'customFrameOptionsValue', 'contentTypeNosniff', 'browserXssFilter', 'customBrowserXSSValue', 'contentSecurityPolicy',
    'contentSecurityPolicyReportOnly', 'publicKey', 'referrerPolicy', 'permissionsPolicy', 'isDevelopment', 'featurePolicy',
    'sslRedirect', 'sslTemporaryRedirect', 'sslHost', 'sslForceHost',
  ].map((k) => [k, `headers.${k} (only customRequestHeaders and customResponseHeaders are applied)`]),
);
