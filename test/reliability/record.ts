// Reliability figures: each campaign test records what it measured; scripts/reliability.mjs prints them
// as the table of docs/reliability.md after `npm run test:reliability`.

import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const OUT = join(import.meta.dirname, '../../test-output/reliability.jsonl');

export function record(item: string, figure: string, ok: boolean): void {
  mkdirSync(join(OUT, '..'), { recursive: true });
  appendFileSync(OUT, JSON.stringify({ item, figure, ok, at: new Date().toISOString() }) + '\n');
}
