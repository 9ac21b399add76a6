#!/usr/bin/env node
// Enforces docs/architecture.md §2: the core is sans-I/O and imports only itself; the simulator imports only the
// core and itself; assembly/ is not imported from src/. Exits 1 listing every violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const files = (dir) => {
  try {
    return readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });
  } catch {
    return [];
  }
};

const FORBIDDEN_IN_CORE = [
  [/\bDate\.now\s*\(|\bnew Date\s*\(/, 'reads the wall clock (take `now` as an input)'],
  [/\bMath\.random\s*\(/, 'uses Math.random (take randomness as an input)'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/, 'owns a timer (return a deadline from pollTimeout)'],
  [/\bperformance\.now\s*\(/, 'reads a clock'],
  [/\bprocess\.(env|argv|exit|stdout|hrtime)/, 'touches the process'],
  [/\basync\s+(function|\()|\bawait\s/, 'is async (the core is synchronous)'],
  [/\bglobalThis\s*\./, 'uses a global hook'],
];

const problems = [];
const importRe =
  /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function checkImports(file, allowedDirs, label) {
  const src = readFileSync(file, 'utf8');
  for (const m of src.matchAll(importRe)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const line = src.slice(0, m.index).split('\n').length;
    const where = `${relative(root, file)}:${line}`;
    if (!spec.startsWith('.')) {
      problems.push(
        `${where}: ${label} imports package "${spec}" (only ${allowedDirs.map((d) => relative(root, d)).join(', ')} allowed)`,
      );
      continue;
    }
    const target = resolve(dirname(file), spec);
    if (!allowedDirs.some((d) => target === d || target.startsWith(d + '/')))
      problems.push(`${where}: ${label} imports ${relative(root, target)}`);
  }
  return src;
}

const core = join(root, 'src', 'core');
for (const f of files(core)) {
  const src = checkImports(f, [core], 'core');
  src.split('\n').forEach((l, i) => {
    const code = l.replace(/\/\/.*$/, '');
    for (const [re, why] of FORBIDDEN_IN_CORE)
      if (re.test(code)) problems.push(`${relative(root, f)}:${i + 1}: core ${why}`);
  });
}
const sim = join(root, 'src', 'sim');
for (const f of files(sim)) checkImports(f, [core, sim], 'sim');
for (const f of files(join(root, 'src'))) {
  const src = readFileSync(f, 'utf8');
  if (/from\s*['"][^'"]*assembly\//.test(src))
    problems.push(`${relative(root, f)}: imports assembly/ sources (load the built WASM instead)`);
}

// No folder cycles (docs/architecture.md §2, layer order): the import graph between the folders of src/core (each
// file at the root of src/core counts on its own) and between the top-level folders of src (core, runtime, sim,
// cli, bench) must be acyclic, so each layer can be read, tested and replaced without the ones above it.
function folderGraph(unitOf) {
  const graph = new Map();
  for (const f of files(join(root, 'src'))) {
    const from = unitOf(f);
    if (!from) continue;
    for (const m of readFileSync(f, 'utf8').matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec.startsWith('.')) continue;
      const to = unitOf(resolve(dirname(f), spec));
      if (!to || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      if (!graph.get(from).has(to)) graph.get(from).set(to, `${relative(root, f)} imports ${spec}`);
    }
  }
  return graph;
}
// Tarjan's strongly connected components; every component of more than one unit is a cycle.
function cycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  let n = 0;
  const visit = (v) => {
    index.set(v, n);
    low.set(v, n++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) !== index.get(v)) return;
    const comp = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1) out.push(comp.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}
const srcDir = join(root, 'src');
const layers = [
  [
    'src/core',
    (f) => {
      const r = relative(core, f);
      if (r.startsWith('..')) return undefined;
      const parts = r.split('/');
      return parts.length > 1 ? `core/${parts[0]}` : `core/${parts[0].replace(/\.[jt]s$/, '')}.ts`;
    },
  ],
  [
    'src',
    (f) => {
      const r = relative(srcDir, f);
      return r.startsWith('..') || !r.includes('/') ? undefined : r.split('/')[0];
    },
  ],
];
for (const [label, unitOf] of layers) {
  const graph = folderGraph(unitOf);
  for (const comp of cycles(graph)) {
    const edges = comp.flatMap((a) =>
      comp.filter((b) => graph.get(a)?.has(b)).map((b) => `${a} -> ${b} (${graph.get(a).get(b)})`),
    );
    problems.push(`${label}: folder cycle ${comp.join(' <-> ')}:\n    ` + edges.join('\n    '));
  }
}

// The repository explains itself: code, tests, scripts and docs cite only documents inside it (the system's
// design is docs/architecture.md, the conventions docs/conventions.md). Flags citations of the background
// design and style notes kept outside the repository, and reads from beside the checkout.
const OUTSIDE = [
  [new RegExp('\\bDESIGN(\\.md\\b| §)'), 'cites the design notes outside the repository (docs/architecture.md)'],
  [new RegExp('\\bSTYLE(\\.md\\b| \\d)'), 'cites the style notes outside the repository (docs/conventions.md)'],
  [new RegExp('\\.\\./shared\\b'), 'reads from outside the repository'],
];
const textFiles = (dir) => {
  try {
    return readdirSync(dir).flatMap((n) => {
      if (n === 'node_modules' || n === 'fixtures' || n.startsWith('.')) return [];
      const p = join(dir, n);
      return statSync(p).isDirectory() ? textFiles(p) : /\.(ts|mjs|js|md|sh|py)$/.test(n) ? [p] : [];
    });
  } catch {
    return [];
  }
};
const cited = ['src', 'assembly', 'bench', 'scripts', 'test', 'docs', 'firmware-profiles', 'deploy', 'examples']
  .flatMap((d) => textFiles(join(root, d)))
  .concat([join(root, 'README.md')]);
for (const f of cited) {
  if (f === fileURLToPath(import.meta.url)) continue;
  readFileSync(f, 'utf8')
    .split('\n')
    .forEach((l, i) => {
      for (const [re, why] of OUTSIDE) if (re.test(l)) problems.push(`${relative(root, f)}:${i + 1}: ${why}`);
    });
}

if (problems.length) {
  console.error(`lint-core: ${problems.length} problem(s)\n` + problems.map((p) => '  ' + p).join('\n'));
  process.exit(1);
}
console.log(`lint-core: ok (${files(core).length} core files, ${files(sim).length} sim files)`);
