// HTML building blocks of the status page. Every value shown comes from etcd, a route file or a
// peer, so everything goes through `text()` (escaped, length-bounded) and tables are bounded too.

const entities: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Longest text shown for one value; the rest is cut (the JSON at /v1/status has it whole). */
export const maxTextChars = 300;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

/** Any value as plain text: '' for null/undefined, JSON for objects. Not escaped: see text(). */
export function plain(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/** Any value as escaped, bounded text. */
export function text(value: unknown): string {
  const s = plain(value);
  return escapeHtml(s.length > maxTextChars ? `${s.slice(0, maxTextChars)}…` : s);
}

/**
 * Markup built here. Only an instance of this class passes unescaped: a value from the status
 * (an object that came from etcd, say `{"html": "<script>"}`) is never taken for markup.
 */
export class Markup {
  readonly html: string;
  constructor(html: string) {
    this.html = html;
  }
}

/** A table cell: escaped text, or Markup. */
export type Cell = unknown;

function cell(value: Cell): string {
  return value instanceof Markup ? value.html : text(value);
}

/**
 * A table of at most `limit` rows; `total` (when more exist than were given, e.g. the area itself
 * listed only the first ones) makes the "and K more" line count right.
 */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], limit: number, total = rows.length): string {
  if (rows.length === 0 && total === 0) return '<p class="none">none</p>';
  const shown = rows.slice(0, limit);
  const head = `<thead><tr>${headers.map((h) => `<th scope="col">${text(h)}</th>`).join('')}</tr></thead>`;
  const body = `<tbody>${shown.map((r) => `<tr>${r.map((c) => `<td>${cell(c)}</td>`).join('')}</tr>`).join('')}</tbody>`;
  const more = Math.max(total, rows.length) - shown.length;
  return `<div class="scroll"><table>${head}${body}</table></div>${more > 0 ? `<p class="more">and ${more} more</p>` : ''}`;
}

/** A state badge: ok (green), bad (red) or unknown (grey), with a word that says it without colour. */
export function badge(state: 'ok' | 'bad' | 'unknown', word: string): Markup {
  return new Markup(`<span class="badge ${state}">${text(word)}</span>`);
}

export function list(items: readonly unknown[], limit: number): string {
  if (items.length === 0) return '';
  const more = items.length - Math.min(items.length, limit);
  return `<ul>${items.slice(0, limit).map((i) => `<li>${text(i)}</li>`).join('')}${more > 0 ? `<li class="more">and ${more} more</li>` : ''}</ul>`;
}

// Readers for the status object: it is plain JSON-able data of unknown shape (areas own it).
export type Json = Readonly<Record<string, unknown>>;

export function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

export function arr(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** "in 23h 59m" / "3m 5s ago" from an ISO time, relative to `now`; '' when it is not a time. */
export function relative(iso: unknown, now: Date): string {
  const at = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(at)) return '';
  const seconds = Math.round(Math.abs(at - now.getTime()) / 1000);
  // The largest unit and the one below it: "1d 0h", "5m 30s", "7s".
  const units = [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const;
  const found = units.findIndex(([, size]) => seconds >= size);
  const first = found === -1 ? units.length - 1 : found;
  const span = units.slice(first, first + 2).map(([unit, size], i) => `${i === 0 ? Math.floor(seconds / size) : Math.floor((seconds % units[first]![1]) / size)}${unit}`).join(' ');
  return at >= now.getTime() ? `in ${span}` : `${span} ago`;
}
