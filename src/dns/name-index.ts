// Which etcd keys are at and below each DNS name of the zone, held compactly (docs/memory.md): a
// name's one key as the string itself (a Set per name cost ~150 bytes, 1.5 MiB for 10,000 names),
// and the tree of names as each name's direct children only, so a key is indexed once rather than
// under every ancestor (the zone's apex, its parent and the root each held a Set of all keys).
// Listing a subtree walks it; its answers are cached (cache.ts). Pure.

/** The name one label up: `web.prod.internal` → `prod.internal`, `internal` → '' (the root). */
function parentOf(name: string): string | undefined {
  if (name === '') return undefined;
  const dot = name.indexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1);
}

export class NameIndex {
  /** name → the key stored at exactly that name, or the keys when several are. */
  readonly #exact = new Map<string, string | Set<string>>();
  /** name → its direct children that have something at or below them. */
  readonly #children = new Map<string, Set<string>>();

  clear(): void {
    this.#exact.clear();
    this.#children.clear();
  }

  add(name: string, key: string): void {
    const at = this.#exact.get(name);
    if (at === undefined) this.#exact.set(name, key);
    else if (typeof at === 'string') this.#exact.set(name, new Set([at, key]));
    else at.add(key);
    for (let child = name, parent = parentOf(name); parent !== undefined; child = parent, parent = parentOf(parent)) {
      const children = this.#children.get(parent);
      if (children === undefined) this.#children.set(parent, new Set([child]));
      else if (children.has(child)) return; // the ancestors above hold it already
      else children.add(child);
    }
  }

  remove(name: string, key: string): void {
    const at = this.#exact.get(name);
    if (at === key) this.#exact.delete(name);
    else if (typeof at === 'object') {
      at.delete(key);
      if (at.size === 0) this.#exact.delete(name);
    }
    // Unlink the names left with nothing at or below them, upwards.
    for (let child = name, parent = parentOf(name); parent !== undefined && !this.has(child); child = parent, parent = parentOf(parent)) {
      const children = this.#children.get(parent);
      children?.delete(child);
      if (children?.size === 0) this.#children.delete(parent);
    }
  }

  /** True when anything is stored at or below `name`. */
  has(name: string): boolean {
    return this.#exact.has(name) || this.#children.has(name);
  }

  /** The keys at exactly `name`. */
  exact(name: string): Iterable<string> {
    const at = this.#exact.get(name);
    return at === undefined ? [] : typeof at === 'string' ? [at] : at;
  }

  /** The keys strictly below `name`, in no order. */
  below(name: string): string[] {
    const out: string[] = [];
    const pending = [...(this.#children.get(name) ?? [])];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      for (const key of this.exact(next)) out.push(key);
      for (const child of this.#children.get(next) ?? []) pending.push(child);
    }
    return out;
  }
}
