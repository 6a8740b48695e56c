import { Counter, Gauge, type Registry } from 'prom-client';

/** Per-resource counters: renders, unchanged, failures by kind, last success. */
export class ConfdMetrics {
  readonly #renders: Counter<'resource'>;
  readonly #unchanged: Counter<'resource'>;
  readonly #failures: Counter<'resource' | 'code'>;
  readonly #lastSuccess: Gauge<'resource'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#renders = new Counter({ name: 'weft_templates_renders_total', help: 'Destinations written (or, with noop, that would be).', labelNames: ['resource'], registers });
    this.#unchanged = new Counter({ name: 'weft_templates_unchanged_total', help: 'Renders whose result equalled the destination.', labelNames: ['resource'], registers });
    this.#failures = new Counter({ name: 'weft_templates_failures_total', help: 'Failed renders by error code (CHECK = check_cmd, RELOAD = reload_cmd).', labelNames: ['resource', 'code'], registers });
    this.#lastSuccess = new Gauge({ name: 'weft_templates_last_success_timestamp_seconds', help: 'When the resource last processed without error.', labelNames: ['resource'], registers });
  }

  record(resource: string, outcome: string): void {
    if (outcome === 'unchanged') this.#unchanged.inc({ resource });
    else if (outcome === 'updated' || outcome === 'would-update') this.#renders.inc({ resource });
    else if (outcome !== 'reloaded') {
      this.#failures.inc({ resource, code: outcome });
      return;
    }
    this.#lastSuccess.set({ resource }, Date.now() / 1000);
  }
}
