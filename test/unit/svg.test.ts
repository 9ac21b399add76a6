// The SVG chart writer: output is well-formed XML (checked by a small XML parser written here), each
// series is drawn and named in the legend, coordinates stay inside the plot, and bad input throws.

import { describe, expect, it } from 'vitest';
import { benchVerifySvg } from '../../src/cli/verify-cmds.js';
import { barChart, cdfChart, lineChart, niceTicks, stack } from '../../src/runtime/plot/svg.js';

interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

/** Minimal XML 1.0 well-formedness parser: nesting, quoted unique attributes, entities, one root. */
function parseXml(src: string): El {
  let i = 0;
  const root: El = { name: '#doc', attrs: {}, children: [], text: '' };
  const stackEls: El[] = [root];
  const decode = (s: string, where: string) => {
    if (/[<]/.test(s)) throw new Error(`raw < in ${where}`);
    return s.replace(/&([^;]*);?/g, (m, e: string) => {
      if (!m.endsWith(';')) throw new Error(`unterminated entity in ${where}`);
      const map: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
      if (e in map) return map[e]!;
      if (/^#\d+$/.test(e)) return String.fromCodePoint(Number(e.slice(1)));
      if (/^#x[0-9a-f]+$/i.test(e)) return String.fromCodePoint(parseInt(e.slice(2), 16));
      throw new Error(`unknown entity &${e}; in ${where}`);
    });
  };
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const text = src.slice(i, lt < 0 ? src.length : lt);
    stackEls[stackEls.length - 1]!.text += decode(text, 'text');
    if (lt < 0) break;
    const gt = src.indexOf('>', lt);
    if (gt < 0) throw new Error('unterminated tag');
    const tag = src.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const open = stackEls.pop()!;
      if (open.name !== tag.slice(1).trim()) throw new Error(`</${tag.slice(1)}> closes <${open.name}>`);
      continue;
    }
    const self = tag.endsWith('/');
    const m = /^([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"]*")*)\s*\/?$/.exec(tag);
    if (!m) throw new Error(`bad tag <${tag}>`);
    const attrs: Record<string, string> = {};
    for (const a of m[2]!.matchAll(/([A-Za-z_][\w:.-]*)="([^"]*)"/g)) {
      if (a[1]! in attrs) throw new Error(`attribute ${a[1]} twice in <${m[1]}>`);
      attrs[a[1]!] = decode(a[2]!, `attribute ${a[1]}`);
    }
    const el: El = { name: m[1]!, attrs, children: [], text: '' };
    stackEls[stackEls.length - 1]!.children.push(el);
    if (!self) stackEls.push(el);
  }
  if (stackEls.length !== 1) throw new Error(`<${stackEls[stackEls.length - 1]!.name}> not closed`);
  if (root.children.length !== 1 || root.text.trim()) throw new Error('document must have exactly one root element');
  return root.children[0]!;
}

const all = (e: El, pred: (x: El) => boolean): El[] => [
  ...(pred(e) ? [e] : []),
  ...e.children.flatMap((c) => all(c, pred)),
];
const texts = (e: El) => all(e, (x) => x.name === 'text').map((t) => t.text);

describe('SVG charts', () => {
  it('the XML checker itself rejects malformed documents', () => {
    expect(() => parseXml('<svg><g></svg>')).toThrow();
    expect(() => parseXml('<svg a="1" a="2"/>')).toThrow(/twice/);
    expect(() => parseXml('<svg><text>a < b</text></svg>')).toThrow();
    expect(() => parseXml('<svg><text>AT&T</text></svg>')).toThrow(/entity/);
  });

  it('lineChart: one polyline per series, legend, title and axis labels, escaped text, points in the frame', () => {
    const svg = lineChart({
      title: 'Discovery latency <p50 & p99>',
      xLabel: 'nodes',
      yLabel: 'ms',
      series: [
        {
          name: 'gossip',
          points: [
            [10, 100],
            [100, 180],
            [1000, 260],
          ],
        },
        {
          name: 'broadcast "naive"',
          points: [
            [10, 90],
            [100, 900],
            [1000, 9000],
          ],
        },
      ],
      xLog: true,
    });
    const doc = parseXml(svg);
    expect(doc.name).toBe('svg');
    const lines = all(doc, (e) => e.name === 'polyline');
    expect(lines.map((l) => l.attrs['data-series'])).toEqual(['gossip', 'broadcast "naive"']);
    expect(texts(doc)).toEqual(
      expect.arrayContaining([
        'Discovery latency <p50 & p99>',
        'nodes',
        'ms',
        'gossip',
        'broadcast "naive"',
        '10',
        '100',
        '1,000',
      ]),
    );
    for (const l of lines) {
      for (const p of l.attrs['points']!.split(' ')) {
        const [x, y] = p.split(',').map(Number);
        expect(x).toBeGreaterThanOrEqual(70);
        expect(x).toBeLessThanOrEqual(620);
        expect(y).toBeGreaterThanOrEqual(40);
        expect(y).toBeLessThanOrEqual(345);
      }
    }
  });

  it('cdfChart: a staircase from the smallest sample to fraction 1 at the largest', () => {
    const doc = parseXml(cdfChart({ title: 'CDF', xLabel: 'ms', series: [{ name: 'a', samples: [3, 1, 2, 4] }] }));
    const pts = all(doc, (e) => e.name === 'polyline')[0]!
      .attrs['points']!.split(' ')
      .map((p) => p.split(',').map(Number) as [number, number]);
    expect(pts).toHaveLength(4 + 3); // 4 samples, 3 risers
    expect(pts[pts.length - 1]![1]).toBe(40); // y = 1 is the top of the plot area
    for (let k = 1; k < pts.length; k++) expect(pts[k]![1]).toBeLessThanOrEqual(pts[k - 1]![1]); // never decreasing
  });

  it('barChart: categories × series bars with heights proportional to the values', () => {
    const doc = parseXml(
      barChart({
        title: 'ops/s',
        yLabel: 'ops/s',
        categories: ['wasm', 'node', 'noble'],
        series: [{ name: 'run', values: [4000, 2000, 0] }],
        valueLabels: true,
      }),
    );
    const group = all(doc, (e) => e.attrs['data-series'] === 'run')[0]!;
    const rects = group.children.filter((c) => c.name === 'rect');
    expect(rects).toHaveLength(3);
    const hs = rects.map((r) => Number(r.attrs['height']));
    expect(hs[0]! / hs[1]!).toBeCloseTo(2, 2);
    expect(hs[2]).toBe(0);
    expect(texts(doc)).toEqual(expect.arrayContaining(['wasm', 'node', 'noble', '4,000']));
    expect(() =>
      barChart({ title: '', yLabel: '', categories: ['a'], series: [{ name: 's', values: [1, 2] }] }),
    ).toThrow(/2 values for 1/);
    expect(() =>
      lineChart({ title: '', xLabel: '', yLabel: '', series: [{ name: 'bad', points: [[1, NaN]] }] }),
    ).toThrow(/"bad"/);
  });

  it('stack puts panels one below the other in one document', () => {
    const a = barChart({
      title: 'A',
      yLabel: 'y',
      categories: ['x'],
      series: [{ name: 's', values: [1] }],
      height: 300,
    });
    const b = lineChart({
      title: 'B',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        {
          name: 't',
          points: [
            [0, 0],
            [1, 1],
          ],
        },
      ],
      height: 200,
    });
    const doc = parseXml(stack([a, b]));
    expect(doc.attrs['height']).toBe('510');
    expect(doc.children.filter((c) => c.name === 'svg').map((c) => c.attrs['y'])).toEqual(['0', '310']);
  });

  it('niceTicks covers the range with 1-2-5 steps', () => {
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.3, 0.92, 3)).toEqual([0.4, 0.6, 0.8]);
    expect(niceTicks(0, 4366)).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('bench verify --plot: implementations and tiers panels, one bar per row of the result', () => {
    const doc = parseXml(
      benchVerifySvg({
        device: { cpu: 'test cpu', profile: 'generic-x64' },
        implementations: {
          'wasm-single': { opsPerSec: 4366 },
          'wasm-batch-64': { opsPerSec: 10741 },
          'node-crypto': { opsPerSec: 5136 },
          noble: { opsPerSec: 346 },
        },
        tiers: { T0: { usPerOp: 36 }, T1: { usPerOp: 244 }, T2: { usPerOp: 651 }, T3: { usPerOp: 1562 } },
      }),
    );
    const panels = doc.children.filter((c) => c.name === 'svg');
    expect(panels).toHaveLength(2);
    expect(all(panels[0]!, (e) => e.name === 'rect' && !!e.children.length)).toHaveLength(4);
    expect(texts(panels[0]!)).toEqual(expect.arrayContaining(['wasm-batch-64', '10,741', 'noble']));
    expect(texts(panels[1]!)).toEqual(expect.arrayContaining(['T0', 'T3', '1,562']));
  });
});
