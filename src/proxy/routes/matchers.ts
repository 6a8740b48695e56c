// The leaf matchers of Traefik v3 rules (pkg/muxer/http/matcher.go): what each one accepts as
// arguments and how it reads the request. Regexps are unanchored, as Go's MatchString.
import { hostCidr, NetworkSet, parseCidr, parseIp, type Cidr } from '../../net/index.ts';
import { compileGoRegexp, type GoRegexp } from './nfa.ts';
import { utf8Bytes, type MatchContext } from './request.ts';

export type Matcher = (request: MatchContext) => boolean;
export type Builder = (args: readonly string[]) => Matcher;
const always: Matcher = () => true;
export const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);

const regexp = (source: string, matcher: string): GoRegexp => {
  try {
    return compileGoRegexp(source);
  } catch (error) {
    throw new Error(`compiling ${matcher} matcher: ${(error as Error).message}`);
  }
};

// Go's DomainMatchHostExpression: `*.x` replaces the request's first label; otherwise EqualFold.
function domainMatches(domain: string, expr: string): boolean {
  if (!expr.startsWith('*')) return domain === expr;
  const dot = domain.indexOf('.');
  return expr === (dot < 0 ? '*' : `*${domain.slice(dot)}`);
}

export const builders: Record<string, { arity: readonly number[]; build: Builder }> = {
  Host: {
    arity: [1],
    build([arg = '']) {
      if (arg === '*') return always;
      if (!isAscii(arg)) throw new Error(`invalid value "${arg}" for Host matcher, non-ASCII characters are not allowed`);
      const expr = arg.toLowerCase();
      const exprTrimmed = expr.endsWith('.') ? expr.slice(0, -1) : undefined;
      return ({ host }) => {
        if (host === '') return false;
        if (domainMatches(host, expr)) return true;
        if (exprTrimmed !== undefined && domainMatches(host, exprTrimmed)) return true;
        return host.endsWith('.') && domainMatches(host.slice(0, -1), expr);
      };
    },
  },
  HostRegexp: {
    arity: [1],
    build([arg = '']) {
      if (!isAscii(arg)) throw new Error(`invalid value "${arg}" for HostRegexp matcher, non-ASCII characters are not allowed`);
      const re = regexp(arg, 'HostRegexp');
      // Traefik also tries the (empty, without CNAME flattening) flattened host: such a regexp matches all.
      return re.test('') ? always : ({ host }) => re.test(host);
    },
  },
  Path: {
    arity: [1],
    build([arg = '']) {
      if (!arg.startsWith('/')) throw new Error(`path "${arg}" does not start with a '/'`);
      const bytes = utf8Bytes(arg);
      return ({ pathBytes }) => pathBytes === bytes;
    },
  },
  PathPrefix: {
    arity: [1],
    build([arg = '']) {
      if (!arg.startsWith('/')) throw new Error(`path "${arg}" does not start with a '/'`);
      const bytes = utf8Bytes(arg);
      return ({ pathBytes }) => pathBytes !== undefined && pathBytes.startsWith(bytes);
    },
  },
  PathRegexp: {
    arity: [1],
    build([arg = '']) {
      const re = regexp(arg, 'PathRegexp');
      return (request) => {
        const text = request.pathText;
        return text !== undefined && re.test(text);
      };
    },
  },
  Method: {
    arity: [1],
    build([arg = '']) {
      const method = arg.toUpperCase();
      return (request) => request.method === method;
    },
  },
  Header: {
    arity: [2],
    build([name = '', value = '']) {
      const key = name.toLowerCase();
      return (request) => request.headerValues(key).includes(value);
    },
  },
  HeaderRegexp: {
    arity: [2],
    build([name = '', value = '']) {
      const key = name.toLowerCase();
      const re = regexp(value, 'HeaderRegexp');
      return (request) => request.headerValues(key).some((v) => re.test(v));
    },
  },
  Query: { arity: [1, 2], build: ([key = '', value = '']) => (request) => request.query.get(key)?.includes(value) ?? false },
  QueryRegexp: {
    arity: [1, 2],
    build(args) {
      const [key = '', value] = args;
      if (value === undefined) return (request) => request.query.get(key)?.includes('') ?? false;
      const re = regexp(value, 'QueryRegexp');
      return (request) => request.query.get(key)?.some((v) => re.test(v)) ?? false;
    },
  },
  ClientIP: {
    arity: [1],
    build([arg = '']) {
      const ip = parseIp(arg);
      const cidr: Cidr | undefined = ip === undefined ? parseCidr(arg) : hostCidr(ip);
      if (cidr === undefined) throw new Error(`initializing IP checker for ClientIP matcher: "${arg}" is neither an IP address nor a CIDR`);
      const set = new NetworkSet([cidr]);
      return (request) => {
        const client = request.clientIp;
        return client !== undefined && set.has(client);
      };
    },
  },
};
