// The access log line and the request metrics, written once per request when its response closes.
import { methodLabel } from '../metrics.ts';
import type { AccessRecord, ServerContext } from './context.ts';

export function recordRequest(context: ServerContext, record: AccessRecord, status: number): void {
  const seconds = (performance.now() - record.start) / 1000;
  const labels = { router: record.router, service: record.service, code: String(status), method: methodLabel(record.method) };
  context.metrics.requests.inc(labels);
  context.metrics.requestDuration.observe(labels, seconds);
  if (!context.settings.access_log) return;
  context.logger.info({
    event: 'proxy_access',
    client: record.client,
    method: record.method,
    host: record.host,
    path: record.path,
    status,
    bytes: record.bytes,
    duration_ms: Math.round(seconds * 1e6) / 1000,
    router: record.router,
    service: record.service,
    server: record.server,
    request_id: record.requestId,
  });
}
