#!/usr/bin/env node
// A worker that takes its time (for tests of timeouts and of a node killed mid-task): sleeps the number
// of milliseconds in SLOW_MS (default 60000), writing its pid to SLOW_PIDFILE first when set, then echoes
// the task text.
import { readFileSync, writeFileSync } from 'node:fs';

const task = JSON.parse(readFileSync(0, 'utf8'));
if (process.env.SLOW_PIDFILE) writeFileSync(process.env.SLOW_PIDFILE, String(process.pid));
setTimeout(() => process.stdout.write(`slow: ${task.text}\n`), Number(process.env.SLOW_MS ?? 60000));
