// `agentnet mechanism evolve`: the Stackelberg mechanism-generation loop (docs/architecture.md §8, docs/mechanisms.md).

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { builtinAttributor } from '../core/market/attribution.js';
import { describeMechanism } from '../core/market/mechanism.js';
import { llmAttributor } from '../runtime/llm-attributor.js';
import { evolveMechanism, formatRound } from '../sim/market/evolve.js';
import { intFlag, UsageError } from './args.js';

const HELP = `Usage: agentnet mechanism evolve [--rounds K] [--seed S] [--attributor builtin|llm]
                                [--llm-url URL] [--llm-model NAME] [--json FILE]

Starts from a naive mechanism (equal split, no deposit, no required tier), simulates honest and adversarial
followers, searches profitable deviations, attributes each failure to the clauses it exploited, and keeps an
edit only if the objective improves and every archived exploit stays closed. Each round prints the version,
IC/IR violations, system loss, regression pass rate, attribution, edit and decision. --attributor llm asks an
OpenAI-compatible chat-completions endpoint (--llm-url) and falls back to the built-in attributor when the
reply is late or malformed.
Exit codes: 0 reached 0 IC and 0 IR violations; 1 did not; 2 usage error.
Example: agentnet mechanism evolve --rounds 20 --seed 1 --json evolve.json`;

export async function cmdMechanism(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'evolve') {
    if (sub === '--help' || sub === '-h') {
      console.log(HELP);
      return 0;
    }
    console.error(
      sub === undefined ? HELP : `agentnet mechanism: unknown subcommand ${JSON.stringify(sub)}\n\n${HELP}`,
    );
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      rounds: { type: 'string' },
      seed: { type: 'string' },
      attributor: { type: 'string' },
      'llm-url': { type: 'string' },
      'llm-model': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const which = values.attributor ?? 'builtin';
  if (which !== 'builtin' && which !== 'llm') throw new UsageError('--attributor must be builtin or llm');
  if (which === 'llm' && !values['llm-url']) throw new UsageError('--attributor llm needs --llm-url');
  const builtin = builtinAttributor();
  const attributor =
    which === 'llm' ? llmAttributor({ url: values['llm-url']!, model: values['llm-model'] ?? 'default' }) : builtin;
  const seed = intFlag(values.seed, 'seed', 1, 0, 2 ** 31);
  const res = await evolveMechanism({
    rounds: intFlag(values.rounds, 'rounds', 20, 1, 500),
    seed,
    attributor,
    fallback: builtin,
    onRound: (r) => console.log(formatRound(r)),
  });
  const f = res.final;
  console.log(
    `\nseed ${seed}: naive loss ${res.naive.systemLoss.toFixed(4)} (IC ${res.naive.icViolations}, IR ${res.naive.irViolations}) -> v${f.version}: IC ${f.icViolations}, IR ${f.irViolations}, loss ${f.systemLoss.toFixed(4)} (${((100 * f.systemLoss) / res.naive.systemLoss).toFixed(1)}% of naive), regression pass ${f.regressionPass.toFixed(2)}`,
  );
  console.log(describeMechanism(res.mechanism));
  if (values.json) {
    const rounds = res.rounds.map((r) => ({
      version: r.version,
      icViolations: r.icViolations,
      irViolations: r.irViolations,
      systemLoss: r.systemLoss,
      regressionPass: r.regressionPass,
      accepted: r.accepted,
      edit: r.edit,
      attribution: r.attribution,
      attributor: r.attributor,
      ...(r.failure ? { failure: r.failure } : {}),
    }));
    writeFileSync(
      values.json,
      JSON.stringify({ seed, rounds, final: res.final, naive: res.naive, archive: res.archive }, null, 2) + '\n',
    );
  }
  return f.icViolations === 0 && f.irViolations === 0 ? 0 : 1;
}
