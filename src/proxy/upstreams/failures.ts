// Which upstream errors count as passive health failures: the server could not be reached or
// dropped the connection before answering. Slow answers (504) and bad answers do not count.
const connectionFailureCodes: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  // undici's "other side closed": the socket ended before a response.
  'UND_ERR_SOCKET',
]);

const maxDepth = 4;

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** The code that makes `error` a connection failure (looking through causes and AggregateErrors), if any. */
export function connectionFailureCode(error: unknown, depth = 0): string | undefined {
  if (depth > maxDepth || typeof error !== 'object' || error === null) return undefined;
  const code = codeOf(error);
  if (code !== undefined && connectionFailureCodes.has(code)) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors.slice(0, 8)) {
      const found = connectionFailureCode(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return 'cause' in error ? connectionFailureCode(error.cause, depth + 1) : undefined;
}
