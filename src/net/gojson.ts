// Reading JSON the way Go's encoding/json fills a struct, for flannel's formats: object keys match
// field names exactly or else case-insensitively, unknown keys are ignored, a later duplicate wins,
// and `null` leaves a field at its zero value. Type mismatches are errors naming the field.

export class GoJsonError extends Error {
  override readonly name = 'GoJsonError';
}

/** Assigns each key of `object` to the field it matches, in document order (so the last one wins). */
export function goFields<const F extends string>(object: unknown, fields: readonly F[], where: string): Partial<Record<F, unknown>> {
  if (object === null || object === undefined) return {};
  if (typeof object !== 'object' || Array.isArray(object)) {
    throw new GoJsonError(`${where} must be a JSON object, got ${describe(object)}`);
  }
  const out: Partial<Record<F, unknown>> = {};
  for (const [key, value] of Object.entries(object as Record<string, unknown>)) {
    const field = fields.find((f) => f === key) ?? fields.find((f) => f.toLowerCase() === key.toLowerCase());
    if (field === undefined || value === null) continue;
    out[field] = value;
  }
  return out;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value) ?? ''}`;
}

export function goBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw new GoJsonError(`${field} must be true or false, got ${describe(value)}`);
  return value;
}

export function goString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new GoJsonError(`${field} must be a string, got ${describe(value)}`);
  return value;
}

/** An integer in [min, max], as Go's int/uint fields accept it (no fractions, no strings). */
export function goInt(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new GoJsonError(`${field} must be a whole number, got ${describe(value)}`);
  }
  if (value < min || value > max) throw new GoJsonError(`${field} must be between ${min} and ${max}, got ${value}`);
  return value;
}
