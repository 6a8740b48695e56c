// Every weft error carries a stable code from this registry; callers match on `code`, never on
// message text. docs/errors.md lists the same codes (src/errors.test.ts keeps the two in step).
export const errorCodes = {
  WEFT_E_CONFIG: 'The daemon configuration is invalid (file, environment or flags).',
  WEFT_E_CONFIG_FILE: 'The configuration file cannot be read or is not valid TOML.',
  WEFT_E_USAGE: 'The command line is wrong: unknown command, flag or missing argument.',
  WEFT_E_ETCD_CONFIG: 'The etcd client settings are unusable (endpoint URL, TLS files).',
  WEFT_E_ETCD_UNAVAILABLE: 'etcd did not answer within the dial timeout.',
  WEFT_E_WATCH: 'A prefix watch failed in a way it cannot recover from by itself.',
  WEFT_E_HOST_LEASE: 'The host lease could not be granted or kept alive.',
  WEFT_E_ADMIN_SOCKET: 'The admin socket cannot be created (path in use, permissions).',
  WEFT_E_ADMIN_LISTEN: 'The admin TCP listener cannot bind its address.',
  WEFT_E_AREA_START: 'An area failed to start; the daemon stops the areas already started.',
  WEFT_E_SHUTDOWN_TIMEOUT: 'An area did not stop before the shutdown deadline.',
  WEFT_E_TEMPLATE_PARSE: 'A Go template does not parse; the message carries template:line:col.',
  WEFT_E_TEMPLATE_EXEC: 'A Go template failed while executing (bad function call, missing key, ...).',
  WEFT_E_HARNESS: 'The test harness cannot set up a real peer (missing package, port, namespace).',
} as const;

export type WeftErrorCode = keyof typeof errorCodes;

export class WeftError extends Error {
  readonly code: WeftErrorCode;

  constructor(code: WeftErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WeftError';
    this.code = code;
  }
}

export function isWeftError(error: unknown, code?: WeftErrorCode): error is WeftError {
  return error instanceof WeftError && (code === undefined || error.code === code);
}
