// The demo's agents (./demo.ts): N agents, one per paper topic in turn, each with a capability in its own topic and
// an intent that needs a capability of the next topic; the config each runs with (its topic's shipped worker and the
// rater of its intent's topic, examples/); and the discoveries expected of them, computed from the declarations alone.

import { dirname, join } from 'node:path';
import { matches } from '../core/gossip/match.js';
import type { Declaration } from '../core/types.js';

export const TOPICS = [
  'code_generation',
  'code_review_security',
  'devops_tool_execution',
  'data_analysis',
  'creative_writing',
] as const;
const SKILLS: Record<(typeof TOPICS)[number], [string, string]> = {
  code_generation: ['code.gen.python', 'code.gen.typescript'],
  code_review_security: ['code.review.security', 'code.review.style'],
  devops_tool_execution: ['devops.exec.shell', 'devops.deploy.k8s'],
  data_analysis: ['data.analysis.sql', 'data.viz.plot'],
  creative_writing: ['writing.fiction', 'writing.copy'],
};

/** The shipped exec worker that does a topic's tasks and the rater that checks its artefacts (examples/). */
export const WORK: Record<(typeof TOPICS)[number], { worker: string; rater: string }> = {
  code_generation: { worker: 'codegen.mjs', rater: 'codegen-check.mjs' },
  code_review_security: { worker: 'code-review.mjs', rater: 'review-check.mjs' },
  devops_tool_execution: { worker: 'disk-report.mjs', rater: 'disk-check.mjs' },
  data_analysis: { worker: 'csv-stats.mjs', rater: 'csv-stats-check.mjs' },
  creative_writing: { worker: 'acrostic.mjs', rater: 'acrostic-check.mjs' },
};

/** examples/ next to the bundle (a checkout's dist/ or a package's dist/). */
export function examplesDir(): string {
  return join(dirname(process.argv[1]!), '..', 'examples');
}

/** A demo agent's config: its capability done by its topic's shipped worker, its tasks rated by the rater of its intent's topic. */
export function demoConfig(a: DemoAgent, base: Record<string, unknown>): Record<string, unknown> {
  const ex = examplesDir();
  const exec = (path: string) => ({ kind: 'exec', command: process.execPath, args: [path], timeoutMs: 30_000 });
  return {
    ...base,
    adapters: {
      work: exec(join(ex, 'workers', WORK[a.capability.topic as keyof typeof WORK].worker)),
      check: exec(join(ex, 'raters', WORK[a.intent.topic as keyof typeof WORK].rater)),
    },
    declarations: [{ ...a.capability, adapter: 'work' }, a.intent],
    tasks: { retryMs: 300, rate: 'check' },
  };
}

export interface DemoAgent {
  readonly name: string;
  readonly capability: Declaration;
  readonly intent: Declaration;
}

/**
 * Agent i works in topic i mod 5 with skill variant floor(i/5) mod 2, and needs, in the next topic,
 * the same variant's skill; every third agent asks for the parent tag instead (`code.review` rather
 * than `code.review.security`), which any variant covers.
 */
export function demoAgents(n: number): DemoAgent[] {
  return Array.from({ length: n }, (_, i) => {
    const topic = TOPICS[i % 5]!;
    const next = TOPICS[(i + 1) % 5]!;
    const v = Math.floor(i / 5) % 2;
    const skill = SKILLS[topic][v]!;
    const want = SKILLS[next][v]!;
    const wanted = i % 3 === 2 ? want.split('.').slice(0, 2).join('.') : want;
    return {
      name: `agent-${String(i).padStart(2, '0')}-${topic}`,
      capability: {
        kind: 'capability',
        topic,
        tags: [skill],
        text: `I do ${skill.replaceAll('.', ' ')} work in ${topic}`,
        ttlMs: 3600_000,
      },
      intent: {
        kind: 'intent',
        topic: next,
        tags: [wanted],
        text: `Looking for ${wanted.replaceAll('.', ' ')} help`,
        ttlMs: 3600_000,
      },
    };
  });
}

/** Expected (from, to) pairs: the intent's tags covered by the other agent's capability in that topic. */
export function expectedPairs(agents: readonly DemoAgent[]): Set<string> {
  const out = new Set<string>();
  agents.forEach((a, i) =>
    agents.forEach((b, j) => {
      if (i !== j && a.intent.topic === b.capability.topic && matches(a.intent, b.capability)) out.add(`${i}>${j}`);
    }),
  );
  return out;
}
