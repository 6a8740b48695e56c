// weft_services_* metrics in the area's own registry; no per-service labels (names come from etcd).
import { Counter, Gauge, Registry } from 'prom-client';
import type { RegistrationResult } from './registration.ts';

export interface ServicesMetrics {
  readonly registry: Registry;
  readonly services: Gauge;
  readonly servers: Gauge;
  readonly invalid: Gauge;
  count(what: 'register' | 'deregister', result: RegistrationResult): void;
}

export function createServicesMetrics(): ServicesMetrics {
  const registry = new Registry();
  const registers = [registry];
  const registrations = new Counter({ name: 'weft_services_registrations_total', help: 'Server registrations through the admin API, by result (ok, refused, invalid, failed).', labelNames: ['result'], registers });
  const deregistrations = new Counter({ name: 'weft_services_deregistrations_total', help: 'Server deregistrations through the admin API, by result (ok, refused, invalid, failed).', labelNames: ['result'], registers });
  return {
    registry,
    services: new Gauge({ name: 'weft_services_services', help: 'Services in the keyspace (watching hosts only).', registers }),
    servers: new Gauge({ name: 'weft_services_servers', help: 'Valid servers in the keyspace (watching hosts only).', registers }),
    invalid: new Gauge({ name: 'weft_services_invalid_values', help: 'Keys in the keyspace skipped as invalid (bad key name, JSON or field).', registers }),
    count: (what, result) => (what === 'register' ? registrations : deregistrations).inc({ result }),
  };
}
