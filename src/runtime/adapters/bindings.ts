// Which adapter does the tasks of which of our capabilities: (topic, key) -> adapter name. A declaration's
// `adapter` is local to this node (never signed or sent), so it is kept here, in a small JSON file of the
// data directory, written whole through a temporary file: a capability announced through the API keeps its
// adapter across restarts, as its declaration stays live in the log.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export class AdapterBindings {
  private readonly m = new Map<string, string>();
  constructor(private readonly file: string | undefined) {
    if (!file) return;
    try {
      const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      for (const [k, v] of Object.entries(j)) if (typeof v === 'string') this.m.set(k, v);
    } catch {
      // none yet (or unreadable: the config's declarations set theirs again at start)
    }
  }
  get(topic: string, key: string): string | undefined {
    return this.m.get(`${topic} ${key}`);
  }
  /** Binds (or, with undefined, unbinds) a capability's adapter. */
  set(topic: string, key: string, adapter: string | undefined): void {
    const k = `${topic} ${key}`;
    if (this.m.get(k) === adapter) return;
    if (adapter === undefined) this.m.delete(k);
    else this.m.set(k, adapter);
    if (!this.file) return;
    writeFileSync(`${this.file}.tmp`, JSON.stringify(Object.fromEntries(this.m), null, 1));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
