#!/usr/bin/env node
// An exec worker (docs/adapters.md): a small static review of the code in the task's text (the task as
// JSON on stdin). It flags, with line numbers: eval/new Function, shell commands built from strings,
// SQL built by concatenation or interpolation, hard-coded secrets, disabled TLS checks, empty catch
// blocks, == comparisons and lines over 120 characters. Writes JSON {task, lines, findings: [{line, rule,
// severity, text}], summary}.
import { readFileSync } from 'node:fs';

const task = JSON.parse(readFileSync(0, 'utf8'));
const src = String(task.text).split(/\r?\n/);
const RULES = [
  ['eval', 'high', /\beval\s*\(|new\s+Function\s*\(/, 'code built from a string and run'],
  [
    'shell',
    'high',
    /\b(exec|execSync|spawn)\s*\(\s*(`[^`]*\$\{|['"][^'"]*['"]\s*\+)/,
    'shell command built from input',
  ],
  [
    'sql-injection',
    'high',
    /\b(SELECT|INSERT|UPDATE|DELETE)\b[^;]*(['"`]\s*\+|\$\{)/i,
    'SQL built by concatenation; use parameters',
  ],
  ['secret', 'high', /\b(password|passwd|secret|api[_-]?key|token)\b\s*[:=]\s*['"][^'"]{6,}['"]/i, 'hard-coded secret'],
  ['tls-off', 'high', /rejectUnauthorized\s*:\s*false|NODE_TLS_REJECT_UNAUTHORIZED/, 'TLS certificate checks disabled'],
  ['empty-catch', 'medium', /catch\s*(\([^)]*\))?\s*\{\s*\}/, 'error swallowed'],
  ['loose-equality', 'low', /[^=!<>]==[^=]|!=[^=]/, 'loose equality (== / !=)'],
];
const findings = [];
src.forEach((line, i) => {
  for (const [rule, severity, re, text] of RULES)
    if (re.test(line)) findings.push({ line: i + 1, rule, severity, text });
  if (line.length > 120)
    findings.push({ line: i + 1, rule: 'long-line', severity: 'low', text: `${line.length} characters` });
});
const high = findings.filter((f) => f.severity === 'high').length;
const summary = findings.length === 0 ? 'no findings' : `${findings.length} findings, ${high} high`;
process.stdout.write(JSON.stringify({ task: task.id, lines: src.length, findings, summary }) + '\n');
