// The foundation's one implementation of addresses, prefixes, MACs, Go durations and Go-style JSON.
export * from './ip4.ts';
export * from './ip6.ts';
export * from './address.ts';
export * from './mac.ts';
export * from './duration.ts';
export * from './gojson.ts';
export * from './iface.ts';
