// GET /metrics: the Prometheus text format by default and OpenMetrics 1.0 to clients that ask for it; parsed
// by a small OpenMetrics 1.0 text parser written here (always runs) and checked by Prometheus' own promtool
// when it is installed (Debian package `prometheus`): `promtool check metrics` on the text format, its
// OpenMetrics parser (backfill) on OpenMetrics.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { negotiate, renderOpenMetrics } from '../../src/runtime/api/metrics.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/runtime/broker.js';
import { loadConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startNode, type AgentNode } from '../../src/runtime/node.js';

interface ParsedFamily {
  type: string;
  help?: string;
  unit?: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

/**
 * OpenMetrics text parser, strict on what we emit: TYPE before samples, HELP/UNIT once per family,
 * family names unique, sample names = family (gauge) or family_total (counter), label values quoted
 * with \\ \" \n escapes, no duplicate label sets, counters >= 0, unit suffix, final `# EOF`.
 */
function parseOpenMetrics(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith('# EOF\n')) throw new Error('exposition must end with "# EOF\\n"');
  const lines = text.slice(0, -1).split('\n');
  const fams = new Map<string, ParsedFamily>();
  let cur: [string, ParsedFamily] | undefined;
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  lines.forEach((line, i) => {
    const at = `line ${i + 1}: ${line}`;
    if (line === '# EOF') {
      if (i !== lines.length - 1) throw new Error(`${at}: # EOF before the end`);
      return;
    }
    let m = new RegExp(`^# (TYPE|HELP|UNIT) (${NAME}) (.*)$`).exec(line);
    if (m) {
      const [, kw, name, rest] = m as unknown as [string, string, string, string];
      if (kw === 'TYPE') {
        if (fams.has(name)) throw new Error(`${at}: family declared twice`);
        if (
          !['counter', 'gauge', 'histogram', 'gaugehistogram', 'stateset', 'info', 'summary', 'unknown'].includes(rest)
        )
          throw new Error(`${at}: bad type`);
        cur = [name, { type: rest, samples: [] }];
        fams.set(name, cur[1]);
        return;
      }
      if (!cur || cur[0] !== name) throw new Error(`${at}: ${kw} for a family not just declared`);
      if (kw === 'HELP') cur[1].help = rest;
      else {
        if (!name.endsWith(`_${rest}`)) throw new Error(`${at}: unit ${rest} is not the name's suffix`);
        cur[1].unit = rest;
      }
      return;
    }
    m = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (!m || !cur) throw new Error(`${at}: not a sample or metadata line`);
    const [, name, labelText, valueText] = m as unknown as [string, string, string | undefined, string];
    const [fam, f] = cur;
    const expected = f.type === 'counter' ? `${fam}_total` : fam;
    if (name !== expected) throw new Error(`${at}: sample ${name} in family ${fam} (${f.type}) must be ${expected}`);
    const labels: Record<string, string> = {};
    if (labelText !== undefined) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
      let pos = 0;
      while (pos < labelText.length) {
        re.lastIndex = pos;
        const lm = re.exec(labelText);
        if (!lm) throw new Error(`${at}: bad labels`);
        if (lm[1]! in labels) throw new Error(`${at}: label ${lm[1]} twice`);
        labels[lm[1]!] = lm[2]!.replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
        pos = re.lastIndex;
      }
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (valueText !== 'NaN' && Number.isNaN(value)) throw new Error(`${at}: bad value`);
    if (f.type === 'counter' && !(value >= 0)) throw new Error(`${at}: counter must be >= 0`);
    const key = JSON.stringify(Object.entries(labels).sort());
    if (f.samples.some((s) => JSON.stringify(Object.entries(s.labels).sort()) === key))
      throw new Error(`${at}: duplicate label set`);
    f.samples.push({ name, labels, value });
  });
  return fams;
}

const value = (fams: Map<string, ParsedFamily>, fam: string, labels: Record<string, string> = {}) =>
  fams.get(fam)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('OpenMetrics writer and parser', () => {
  it('escapes label values and rejects a unit that is not the name suffix', () => {
    const text = renderOpenMetrics([
      {
        name: 'x_bytes',
        type: 'counter',
        unit: 'bytes',
        help: 'h',
        samples: [{ labels: { why: 'a "q" \\ b\nc' }, value: 3 }],
      },
    ]);
    expect(text).toBe(
      '# TYPE x_bytes counter\n# HELP x_bytes h\n# UNIT x_bytes bytes\nx_bytes_total{why="a \\"q\\" \\\\ b\\nc"} 3\n# EOF\n',
    );
    expect(value(parseOpenMetrics(text), 'x_bytes', { why: 'a "q" \\ b\nc' })).toBe(3);
    expect(() => renderOpenMetrics([{ name: 'x', type: 'gauge', unit: 'bytes', help: '', samples: [] }])).toThrow(
      RangeError,
    );
  });

  it('the parser rejects what OpenMetrics forbids (so the node test below can fail)', () => {
    expect(() => parseOpenMetrics('# TYPE a counter\na 1\n# EOF\n')).toThrow(/must be a_total/);
    expect(() => parseOpenMetrics('# TYPE a gauge\na 1\n')).toThrow(/EOF/);
    expect(() => parseOpenMetrics('# TYPE a gauge\na{x="1"} 1\na{x="1"} 2\n# EOF\n')).toThrow(/duplicate/);
    expect(() => parseOpenMetrics('# TYPE a_total counter\na_total_total -1\n# EOF\n')).toThrow(/>= 0/);
  });
});

/** The Accept header of a Prometheus 2.x server's scrape. */
const PROMETHEUS_SCRAPE_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('content negotiation, as Prometheus client libraries do it', () => {
  it('OpenMetrics only to a client that asks for application/openmetrics-text', () => {
    expect(negotiate(PROMETHEUS_SCRAPE_ACCEPT)).toBe('openmetrics');
    expect(negotiate('Application/OpenMetrics-Text; version=1.0.0')).toBe('openmetrics');
    expect(negotiate('text/plain, application/openmetrics-text;q=0.3')).toBe('openmetrics');
    for (const a of [undefined, '', '*/*', 'text/plain', 'text/plain;version=0.0.4', 'text/*', 'application/json'])
      expect([a, negotiate(a)]).toEqual([a, 'prometheus']);
    expect(negotiate('application/openmetrics-text;q=0, text/plain')).toBe('prometheus'); // q=0 refuses it
    expect(negotiate('application/openmetrics-textual')).toBe('prometheus');
  });
});

describe('GET /metrics of a running node', () => {
  let broker: EmbeddedBroker;
  const dir = mkdtempSync(join(tmpdir(), 'agentnet-metrics-'));
  const network = `m-${process.pid}-${Date.now() % 1e6}`;
  const nodes: AgentNode[] = [];
  let text = '';
  let classic = '';
  let status: Record<string, any> = {};

  beforeAll(async () => {
    broker = await startEmbeddedBroker();
    const quiet = createLogger({ level: 'error' });
    for (const n of ['a', 'b'])
      nodes.push(
        await startNode(loadConfig({ env: {}, flags: { dataDir: join(dir, n), network, broker: broker.url } }), {
          logger: quiet,
        }),
      );
    const [a, b] = nodes as [AgentNode, AgentNode];
    b.announce({ kind: 'capability', topic: 'data_analysis', tags: ['data.analysis.sql'], text: 'SQL' });
    a.announce({ kind: 'intent', topic: 'data_analysis', tags: ['data.analysis'], text: 'need SQL' });
    const end = Date.now() + 15_000;
    while (a.discover({ tags: ['data.analysis'] }).length === 0 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    // What a Prometheus server sends (it asks for OpenMetrics first) gets OpenMetrics.
    const res = await fetch(`http://127.0.0.1:${a.apiPort}/metrics`, { headers: { accept: PROMETHEUS_SCRAPE_ACCEPT } });
    expect(res.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    text = await res.text();
    status = a.status();
    // curl (`Accept: */*`) gets the Prometheus text format, which `curl ... | promtool check metrics` lints.
    const res2 = await fetch(`http://127.0.0.1:${a.apiPort}/metrics`, { headers: { accept: '*/*' } });
    expect(res2.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    classic = await res2.text();
  });
  afterAll(async () => {
    for (const n of nodes) await n.close();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('parses, and its numbers are the node status', () => {
    const f = parseOpenMetrics(text);
    for (const t of ['T0', 'T1', 'T2', 'T3', 'T4'])
      expect(value(f, 'agentnet_verifications', { tier: t })).toBe(status['verified'][t]);
    expect(value(f, 'agentnet_verifications', { tier: 'T2' })).toBeGreaterThanOrEqual(2);
    expect(f.get('agentnet_rejections')!.samples.map((s) => s.labels['reason'])).toContain('bad_signature'); // all reasons, even at 0
    expect(value(f, 'agentnet_header_bytes', { direction: 'in' })).toBe(status['bytes'].headerBytesIn);
    expect(value(f, 'agentnet_body_bytes', { direction: 'in' })).toBeGreaterThan(0);
    expect(value(f, 'agentnet_body_pulls', { result: 'completed' })).toBe(1);
    expect(value(f, 'agentnet_gap_repairs', { result: 'requested' })).toBe(status['gapRepairs'].requested);
    expect(value(f, 'agentnet_fork_proofs')).toBe(0);
    expect(value(f, 'agentnet_queue_depth', { queue: 'driver' })).toBeGreaterThanOrEqual(0);
    expect(value(f, 'agentnet_broker_up')).toBe(1);
    for (const w of ['entries', 'bodies'] as const)
      expect(value(f, 'agentnet_pruned', { what: w })).toBe(status['pruned'][w]); // log retention (nothing old to prune yet: 0)
    expect(value(f, 'agentnet_broker_reconnects')).toBe(0);
    expect(value(f, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(value(f, 'nodejs_heap_used_bytes')).toBeGreaterThan(0);
    expect(value(f, 'process_cpu_seconds')).toBeGreaterThan(0);
    expect(value(f, 'process_open_fds')).toBeGreaterThan(3);
    expect(value(f, 'process_uptime_seconds')).toBeGreaterThan(0);
  });

  const promtool = spawnSync('promtool', ['--version']).status === 0;
  if (!promtool)
    console.warn('metrics: promtool not found; install the Debian package "prometheus" to run the promtool check');
  describe.skipIf(!promtool)('promtool', () => {
    // promtool 2.x lints the Prometheus text format 0.0.4, which the node serves to text/plain clients;
    // it is the same families and samples as the OpenMetrics exposition parsed above.
    it('promtool check metrics accepts the exposition (text format 0.0.4)', () => {
      expect(
        classic
          .split('\n')
          .filter((l) => !l.startsWith('#'))
          .map((l) => l.split(' ')[0]),
      ).toEqual(
        text
          .split('\n')
          .filter((l) => !l.startsWith('#'))
          .map((l) => l.split(' ')[0]),
      );
      const r = spawnSync('promtool', ['check', 'metrics'], { input: classic, encoding: 'utf8' });
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    });

    // promtool's OpenMetrics parser is the one of its backfill (`tsdb create-blocks-from openmetrics`), which
    // needs a timestamp on every sample: appended here, every other byte as the node served it.
    it('promtool parses the OpenMetrics exposition (create-blocks-from openmetrics)', () => {
      const stamped = text
        .split('\n')
        .map((l) => (l === '' || l.startsWith('#') ? l : `${l} 1700000000`))
        .join('\n');
      const work = mkdtempSync(join(tmpdir(), 'agentnet-om-'));
      try {
        writeFileSync(join(work, 'in.om'), stamped);
        const r = spawnSync(
          'promtool',
          ['tsdb', 'create-blocks-from', 'openmetrics', join(work, 'in.om'), join(work, 'out')],
          {
            encoding: 'utf8',
          },
        );
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        const samples = text.split('\n').filter((l) => l && !l.startsWith('#')).length;
        expect(r.stdout).toMatch(new RegExp(`\\s${samples}\\s`)); // NUM SAMPLES: every sample was read
        // A broken exposition (no # EOF) fails the same check: the check can fail.
        writeFileSync(join(work, 'bad.om'), stamped.replace('# EOF', ''));
        expect(
          spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(work, 'bad.om'), join(work, 'o2')])
            .status,
        ).not.toBe(0);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    });
  });
});
