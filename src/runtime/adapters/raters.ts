// The rater each task we posted asked for (`rater` of POST /tasks, MCP post_task), kept across restarts: a
// requester killed while it rated, or before it did, rates the task after its restart with the rater the task
// was posted with, not with whatever `tasks.rate` says then (docs/adapters.md "Decisions"). A small JSON file
// of the data directory, written whole through a temporary file after each post; entries of tasks that
// ended are dropped. A node killed between its task's commit and this write (microseconds) rates that task
// with `tasks.rate`.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export class TaskRaters {
  private readonly m = new Map<string, string>();
  constructor(private readonly file: string | undefined) {
    if (!file) return;
    try {
      const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      for (const [k, v] of Object.entries(j)) if (typeof v === 'string') this.m.set(k, v);
    } catch {
      // none yet (or unreadable: tasks resumed then get tasks.rate)
    }
  }
  get(task: string): string | undefined {
    return this.m.get(task);
  }
  set(task: string, rater: string): void {
    if (this.m.get(task) === rater) return;
    this.m.set(task, rater);
    this.save();
  }
  /** Keeps only the tasks `live` says are not over. */
  keep(live: (task: string) => boolean): void {
    const before = this.m.size;
    for (const k of [...this.m.keys()]) if (!live(k)) this.m.delete(k);
    if (this.m.size !== before) this.save();
  }
  delete(task: string): void {
    if (this.m.delete(task)) this.save();
  }
  private save(): void {
    if (!this.file) return;
    writeFileSync(`${this.file}.tmp`, JSON.stringify(Object.fromEntries(this.m)));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
