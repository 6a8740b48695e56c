// CNI error codes (SPEC.md "Error") and the error a command throws; main.ts prints it as the
// spec's error JSON {cniVersion, code, msg, details}.
export const CniCode = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodingFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  notAvailable: 50,
  limitedConnectivity: 51,
  /** weft-cni's own (100+ is the plugin's range): ADD of an attachment that exists, without DEL. */
  attachmentExists: 100,
  internal: 999,
} as const;

export class CniError extends Error {
  readonly code: number;
  readonly details: string;

  constructor(code: number, msg: string, details = '') {
    super(msg);
    this.name = 'CniError';
    this.code = code;
    this.details = details;
  }
}

export interface CniErrorJson {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

export function errorJson(error: unknown, cniVersion: string): CniErrorJson {
  if (error instanceof CniError) return { cniVersion, code: error.code, msg: error.message, ...(error.details === '' ? {} : { details: error.details }) };
  return { cniVersion, code: CniCode.internal, msg: 'weft-cni failed unexpectedly', details: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}
