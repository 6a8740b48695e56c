// `GET /`: the cluster at a glance, rendered here from the daemon's status (what /v1/status
// answers), so it reads the same with JavaScript off. With JavaScript, a small inline script
// fetches the page again every few seconds and swaps <main> in place; without, a meta refresh in
// <noscript> reloads it. No external asset: style and script are inline, and the
// Content-Security-Policy allows exactly those two (by hash) and same-origin fetches, nothing else.
import { createHash } from 'node:crypto';
import { badge, obj, table, text, type Json } from './html.ts';
import { sections } from './status-sections.ts';

export interface StatusPageOptions {
  readonly now?: Date;
  /** Rows per table; the rest are counted ("and K more"). */
  readonly limit?: number;
}

/** Seconds between refreshes: by the script, and by the meta refresh when scripts are off. */
export const refreshSeconds = 5;
const noScriptRefreshSeconds = 10;
export const statusPageRowLimit = 100;

const style = `
:root{font-family:system-ui,sans-serif;color:#1b1f24;background:#fff}
body{margin:0 auto;max-width:72rem;padding:1rem}
header{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline;border-bottom:2px solid #d0d7de}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .4rem}h3{font-size:1rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #d0d7de;vertical-align:top;overflow-wrap:break-word}
.scroll{overflow-x:auto}
th{background:#f6f8fa}dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.4rem 0;font-size:.9rem}dt{color:#57606a}dd{margin:0}
.badge{display:inline-block;padding:0 .4rem;border-radius:.6rem;font-size:.85rem}.ok{background:#dafbe1;color:#116329}.bad{background:#ffebe9;color:#a40e26}.unknown{background:#eaeef2;color:#424a53}
.error{color:#a40e26}.none,.more,.rel,.off{color:#57606a}.more{font-style:italic}
#stale{display:none;background:#fff8c5;padding:.4rem;margin:.4rem 0}.stale #stale{display:block}
`;

// Fetches the page again and swaps <main>: one renderer (the server's), no JSON-to-HTML in the browser.
const script = `
(() => {
  const banner = document.getElementById('stale');
  async function refresh() {
    try {
      const answer = await fetch(location.pathname, { cache: 'no-store', headers: { accept: 'text/html' } });
      if (!answer.ok) throw new Error('HTTP ' + answer.status);
      const next = new DOMParser().parseFromString(await answer.text(), 'text/html');
      const main = next.querySelector('main');
      if (main === null) throw new Error('no status in the answer');
      document.querySelector('main').replaceWith(document.adoptNode(main));
      document.title = next.title;
      document.body.classList.remove('stale');
    } catch (error) {
      banner.textContent = 'Cannot reach the daemon (' + error.message + '); showing the last status it gave.';
      document.body.classList.add('stale');
    }
    setTimeout(refresh, ${refreshSeconds * 1000});
  }
  setTimeout(refresh, ${refreshSeconds * 1000});
})();
`;

const hash = (source: string): string => `'sha256-${createHash('sha256').update(source).digest('base64')}'`;

/** Headers of the page: no caching, no framing, nothing loaded but the page's own inline style and script. */
export const statusPageHeaders: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': `default-src 'none'; style-src ${hash(style)}; script-src ${hash(script)}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
};

function readiness(areas: Json, limit: number): string {
  const rows = Object.entries(areas).map(([name, a]) => {
    const area = obj(a);
    return [name, area.ready === true ? badge('ok', 'ready') : badge('bad', 'not ready'), area.reason];
  });
  return `<section id="readiness"><h2>Readiness</h2>${table(['area', 'state', 'reason'], rows, limit)}</section>`;
}

/** The whole page for one status object (the daemon's `status()`); pure, for tests. */
export function renderStatusPage(status: unknown, options: StatusPageOptions = {}): string {
  const now = options.now ?? new Date();
  const context = { now, limit: options.limit ?? statusPageRowLimit };
  // Through JSON, so the page shows exactly what /v1/status answers (Dates as ISO strings, no undefined).
  const s = obj(JSON.parse(JSON.stringify(status) ?? 'null'));
  const areas = obj(s.areas);
  const host = obj(obj(areas.subnet).status).publicIP;
  const ready = s.ready === true;
  const title = `weft${typeof host === 'string' ? ` ${host}` : ''}: ${ready ? 'ready' : 'NOT READY'}`;
  const body = sections.map((section) => {
    const area = areas[section.area];
    const content = area === undefined ? `<p class="off">The ${text(section.area)} area is not enabled on this host.</p>` : section.render(obj(obj(area).status), context);
    return `<section id="${section.id}"><h2>${text(section.title)}</h2>${content}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${text(title)}</title><noscript><meta http-equiv="refresh" content="${noScriptRefreshSeconds}"></noscript>
<style>${style}</style></head>
<body><div id="stale" role="status"></div>
<main>
<header><h1>${text(title)}</h1>${badge(ready ? 'ok' : 'bad', ready ? 'ready' : 'not ready').html}
<span>weft ${text(s.version)}, Node ${text(s.node)}, pid ${text(s.pid)}, up ${text(s.uptimeSeconds)} s</span>
<span>as of <time id="generated" datetime="${now.toISOString()}">${now.toISOString()}</time></span></header>
${readiness(areas, context.limit)}
${body.join('\n')}
</main>
<footer><p class="off">Refreshes every ${refreshSeconds} s (${noScriptRefreshSeconds} s without JavaScript). Machine-readable: <a href="/v1/status">/v1/status</a>, <a href="/readyz?verbose">/readyz</a>, <a href="/metrics">/metrics</a>.</p></footer>
<script>${script}</script>
</body></html>
`;
}
