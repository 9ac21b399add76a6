#!/usr/bin/env node
// An exec worker (docs/adapters.md) that runs a tool: `df -Pk` on the directory named in the task's text
// ("path: /var/lib/agentnet"; default the working directory) and the load average from /proc/loadavg. Writes
// JSON {task, path, filesystem, sizeKb, usedKb, availKb, usePercent, load: [1, 5, 15 min]}; exits 1 when df fails.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const task = JSON.parse(readFileSync(0, 'utf8'));
const path = /path:\s*(\S+)/.exec(String(task.text))?.[1] ?? process.cwd();
const lines = execFileSync('df', ['-Pk', path], { encoding: 'utf8' }).trim().split('\n');
const [filesystem, size, used, avail, pct] = lines.at(-1).split(/\s+/);
let load = null;
try {
  load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
} catch {
  // not Linux
}
process.stdout.write(
  JSON.stringify({
    task: task.id,
    path,
    filesystem,
    sizeKb: Number(size),
    usedKb: Number(used),
    availKb: Number(avail),
    usePercent: Number(pct.replace('%', '')),
    load,
  }) + '\n',
);
