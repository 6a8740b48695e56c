// Linux network interface names, as the kernel's dev_valid_name() accepts them.

/** Why `name` cannot be an interface name, or undefined: 1–15 bytes, no '/', ':' or white space. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name.length === 0 || Buffer.byteLength(name) > 15) return `interface name "${name}" must be 1 to 15 bytes long`;
  if (/[/:\s]/.test(name) || name === '.' || name === '..') return `interface name "${name}" may not contain '/', ':' or white space`;
  return undefined;
}
