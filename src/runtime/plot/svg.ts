// SVG charts without a browser: pure functions from data to a standalone SVG document (a string).
// Used by `agentnet bench verify --plot`, and meant for `sim discovery` / `sim trust` plots too.
//
// API (every function is pure; numbers must be finite, or a RangeError names the offending series):
//
//   lineChart({ title, xLabel, yLabel, series: [{ name, points: [[x, y], ...] }], xLog?, yLog?,
//               yMin?, yMax?, step?, width?, height? }) -> string
//       One polyline per series (step: a staircase, for CDFs and counters), axes with "nice" ticks
//       (powers of ten when log), axis labels, title and a legend naming every series.
//   cdfChart({ title, xLabel, series: [{ name, samples: [...] }], xLog?, width?, height? }) -> string
//       Empirical CDF of each sample set (y = fraction of samples <= x), drawn as a step line chart.
//   barChart({ title, yLabel, categories: [...], series: [{ name, values: [...] }], yLog?, width?,
//              height?, valueLabels? }) -> string
//       Grouped bars: one group per category, one bar per series (values[i] belongs to categories[i]).
//   stack(svgs, { gap? }) -> string
//       Several charts in one SVG document, one below the other (e.g. two panels in one file).
//   niceTicks(min, max, count?) -> number[]      ticks at 1/2/5 x 10^k steps covering [min, max]
//
// Output is well-formed XML (text is escaped), uses only SVG 1.1 elements, no scripts and no external
// fonts or stylesheets, so it renders in browsers, GitHub and Inkscape alike. Each series' elements
// carry `data-series="<name>"` so tests and tools can find them.

export interface XY {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface LineChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly XY[];
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  readonly yMin?: number;
  readonly yMax?: number;
  readonly step?: boolean;
  readonly width?: number;
  readonly height?: number;
}

export interface BarChartSpec {
  readonly title: string;
  readonly yLabel: string;
  readonly categories: readonly string[];
  readonly series: ReadonlyArray<{ readonly name: string; readonly values: readonly number[] }>;
  readonly yLog?: boolean;
  readonly valueLabels?: boolean;
  readonly width?: number;
  readonly height?: number;
}

/** Colour-blind-safe palette (Okabe & Ito 2008), cycled. */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000'];
const M = { top: 40, right: 20, bottom: 55, left: 70 };
const FONT = 'font-family="sans-serif"';

export const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const fmt = (v: number) => {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(0).replace('e+', 'e');
  if (a >= 1000) return v.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return String(Number(v.toPrecision(3)));
};
const r2 = (v: number) => Math.round(v * 100) / 100;

export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max)
    throw new RangeError(`niceTicks: bad range ${min}..${max}`);
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag; // in [1, 10): round to the nearest of 1, 2, 5, 10 (Heckbert, Graphics Gems 1990)
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function logTicks(min: number, max: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
  return out;
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
  ticks: number[];
}

function axis(values: number[], log: boolean, lo?: number, hi?: number): Axis {
  if (log && values.some((v) => v <= 0)) throw new RangeError('log axis needs positive values');
  let a = lo ?? Math.min(...values);
  let b = hi ?? Math.max(...values);
  if (log) {
    a = 10 ** Math.floor(Math.log10(a));
    b = 10 ** Math.ceil(Math.log10(b));
    if (a === b) b = a * 10;
    return { lo: a, hi: b, log, ticks: logTicks(a, b) };
  }
  if (a === b) [a, b] = a === 0 ? [0, 1] : [Math.min(0, a), Math.max(0, b) * (b > 0 ? 1.1 : 1)];
  const ticks = niceTicks(a, b);
  return { lo: Math.min(a, ticks[0]!), hi: Math.max(b, ticks[ticks.length - 1]!), log, ticks };
}

const scale = (ax: Axis, from: number, to: number) => (v: number) => {
  const t = ax.log
    ? (Math.log10(v) - Math.log10(ax.lo)) / (Math.log10(ax.hi) - Math.log10(ax.lo))
    : (v - ax.lo) / (ax.hi - ax.lo || 1);
  return r2(from + t * (to - from));
};

function frame(w: number, h: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`,
    `<rect width="${w}" height="${h}" fill="#ffffff"/>`,
    `<text x="${w / 2}" y="22" text-anchor="middle" ${FONT} font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function axesSvg(
  w: number,
  h: number,
  xLabel: string,
  yLabel: string,
  yAx: Axis,
  y: (v: number) => number,
  xTicks: Array<[number, string]>,
): string[] {
  const out: string[] = [];
  const [x0, x1, y0, y1] = [M.left, w - M.right, h - M.bottom, M.top];
  for (const t of yAx.ticks) {
    const py = y(t);
    out.push(
      `<line x1="${x0}" y1="${py}" x2="${x1}" y2="${py}" stroke="#e5e5e5"/>`,
      `<text x="${x0 - 6}" y="${py + 4}" text-anchor="end" ${FONT} font-size="11">${escapeXml(fmt(t))}</text>`,
    );
  }
  for (const [px, label] of xTicks)
    out.push(
      `<line x1="${px}" y1="${y0}" x2="${px}" y2="${y0 + 5}" stroke="#333"/>`,
      `<text x="${px}" y="${y0 + 18}" text-anchor="middle" ${FONT} font-size="11">${escapeXml(label)}</text>`,
    );
  out.push(
    `<line x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}" stroke="#333"/>`,
    `<line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}" stroke="#333"/>`,
    `<text x="${(x0 + x1) / 2}" y="${h - 12}" text-anchor="middle" ${FONT} font-size="12">${escapeXml(xLabel)}</text>`,
    `<text x="16" y="${(y0 + y1) / 2}" text-anchor="middle" ${FONT} font-size="12" transform="rotate(-90 16 ${(y0 + y1) / 2})">${escapeXml(yLabel)}</text>`,
  );
  return out;
}

function legend(w: number, names: readonly string[]): string[] {
  const out = ['<g class="legend">'];
  const x = w - M.right - 170;
  names.forEach((n, i) => {
    const y = M.top + 8 + i * 16;
    out.push(
      `<rect x="${x}" y="${y - 9}" width="12" height="10" fill="${PALETTE[i % PALETTE.length]}"/>`,
      `<text x="${x + 17}" y="${y}" ${FONT} font-size="11">${escapeXml(n)}</text>`,
    );
  });
  out.push('</g>');
  return out;
}

function checkFinite(name: string, vs: readonly number[]): void {
  if (vs.some((v) => !Number.isFinite(v)))
    throw new RangeError(`series ${JSON.stringify(name)} has a non-finite value`);
}

export function lineChart(s: LineChartSpec): string {
  const w = s.width ?? 640;
  const h = s.height ?? 400;
  if (!s.series.length) throw new RangeError('lineChart: no series');
  for (const se of s.series) checkFinite(se.name, se.points.flat());
  const xs = s.series.flatMap((se) => se.points.map((p) => p[0]));
  const ys = s.series.flatMap((se) => se.points.map((p) => p[1]));
  if (!xs.length) throw new RangeError('lineChart: no points');
  const xAx = axis(xs, !!s.xLog);
  const yAx = axis(ys, !!s.yLog, s.yMin, s.yMax);
  const x = scale(xAx, M.left, w - M.right);
  const y = scale(yAx, h - M.bottom, M.top);
  const body = axesSvg(
    w,
    h,
    s.xLabel,
    s.yLabel,
    yAx,
    y,
    xAx.ticks.map((t) => [x(t), fmt(t)]),
  );
  s.series.forEach((se, i) => {
    const pts: string[] = [];
    se.points.forEach(([px, py], j) => {
      if (s.step && j > 0) pts.push(`${x(px)},${y(se.points[j - 1]![1])}`);
      pts.push(`${x(px)},${y(py)}`);
    });
    body.push(
      `<polyline data-series="${escapeXml(se.name)}" fill="none" stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2" points="${pts.join(' ')}"/>`,
    );
  });
  return frame(w, h, s.title, [
    ...body,
    ...legend(
      w,
      s.series.map((se) => se.name),
    ),
  ]);
}

export function cdfChart(s: {
  readonly title: string;
  readonly xLabel: string;
  readonly series: ReadonlyArray<{ readonly name: string; readonly samples: readonly number[] }>;
  readonly xLog?: boolean;
  readonly width?: number;
  readonly height?: number;
}): string {
  const series = s.series.map((se) => {
    checkFinite(se.name, se.samples);
    const sorted = [...se.samples].sort((a, b) => a - b);
    return { name: se.name, points: sorted.map((v, i) => [v, (i + 1) / sorted.length] as const) };
  });
  return lineChart({
    title: s.title,
    xLabel: s.xLabel,
    yLabel: 'fraction of samples ≤ x',
    series,
    step: true,
    yMin: 0,
    yMax: 1,
    ...(s.xLog ? { xLog: true } : {}),
    ...(s.width ? { width: s.width } : {}),
    ...(s.height ? { height: s.height } : {}),
  });
}

export function barChart(s: BarChartSpec): string {
  const w = s.width ?? 640;
  const h = s.height ?? 400;
  if (!s.series.length || !s.categories.length) throw new RangeError('barChart: no series or categories');
  for (const se of s.series) {
    if (se.values.length !== s.categories.length)
      throw new RangeError(
        `barChart: series ${JSON.stringify(se.name)} has ${se.values.length} values for ${s.categories.length} categories`,
      );
    checkFinite(se.name, se.values);
  }
  const vals = s.series.flatMap((se) => se.values);
  // Headroom above the tallest bar so its value label stays clear of the title and, with several series, of the
  // legend in the top right corner (its rows and a label's height).
  const plotPx = h - M.top - M.bottom;
  const clearPx = (s.series.length > 1 ? 8 + 16 * s.series.length : 0) + 14;
  const room = plotPx > 2 * clearPx ? plotPx / (plotPx - clearPx) : 1.08;
  const yAx = axis(s.yLog ? vals : [0, ...vals, Math.max(...vals) * room], !!s.yLog);
  const y = scale(yAx, h - M.bottom, M.top);
  const groupW = (w - M.left - M.right) / s.categories.length;
  const barW = (groupW * 0.8) / s.series.length;
  const cx = (i: number) => r2(M.left + groupW * (i + 0.5));
  const body = axesSvg(
    w,
    h,
    '',
    s.yLabel,
    yAx,
    y,
    s.categories.map((c, i) => [cx(i), c]),
  );
  const base = y(yAx.log ? yAx.lo : 0);
  s.series.forEach((se, k) => {
    body.push(`<g data-series="${escapeXml(se.name)}" fill="${PALETTE[k % PALETTE.length]}">`);
    se.values.forEach((v, i) => {
      const bx = r2(M.left + groupW * i + groupW * 0.1 + barW * k);
      const top = y(v);
      body.push(
        `<rect x="${bx}" y="${Math.min(top, base)}" width="${r2(barW)}" height="${r2(Math.abs(base - top))}"><title>${escapeXml(`${se.name} / ${s.categories[i]}: ${fmt(v)}`)}</title></rect>`,
      );
      if (s.valueLabels)
        body.push(
          `<text x="${r2(bx + barW / 2)}" y="${top - 4}" text-anchor="middle" ${FONT} font-size="10" fill="#333">${escapeXml(fmt(v))}</text>`,
        );
    });
    body.push('</g>');
  });
  return frame(w, h, s.title, [
    ...body,
    ...(s.series.length > 1
      ? legend(
          w,
          s.series.map((se) => se.name),
        )
      : []),
  ]);
}

/** Charts one below the other in one SVG document; each keeps its own coordinate system. */
export function stack(svgs: readonly string[], o: { gap?: number } = {}): string {
  const gap = o.gap ?? 10;
  let y = 0;
  let width = 0;
  const parts: string[] = [];
  for (const s of svgs) {
    const m = /^<svg [^>]*width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(s);
    if (!m) throw new RangeError('stack: input is not an SVG from this module');
    parts.push(s.replace(/^<svg /, `<svg x="0" y="${y}" `));
    y += Number(m[2]) + gap;
    width = Math.max(width, Number(m[1]));
  }
  const h = Math.max(0, y - gap);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}">`,
    ...parts,
    '</svg>',
  ].join('\n');
}
