// Entry of scripts/evolve-mechanism.mjs: runs the mechanism-generation loop for one or more seeds with
// the built-in attributor (or an OpenAI-compatible endpoint) and prints every round.
import { builtinAttributor } from '../../src/core/market/attribution.js';
import { describeMechanism } from '../../src/core/market/mechanism.js';
import { evolveMechanism, formatRound, type EvolveResult } from '../../src/sim/market/evolve.js';
import { llmAttributor } from '../../src/runtime/llm-attributor.js';

export async function main(argv: readonly string[]): Promise<EvolveResult[]> {
  const flag = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
  };
  const rounds = Number(flag('--rounds', '20'));
  const seeds = flag('--seeds', flag('--seed', '1')).split(',').map(Number);
  const which = flag('--attributor', 'builtin');
  const quiet = argv.includes('--quiet');
  const builtin = builtinAttributor();
  const attributor =
    which === 'llm'
      ? llmAttributor({
          url: flag('--llm-url', 'http://127.0.0.1:8080/v1/chat/completions'),
          model: flag('--llm-model', 'default'),
        })
      : builtin;
  const out: EvolveResult[] = [];
  for (const seed of seeds) {
    const t0 = performance.now();
    const res = await evolveMechanism({
      rounds,
      seed,
      attributor,
      fallback: builtin,
      onRound: (r) => quiet || console.log(formatRound(r)),
    });
    const f = res.final;
    console.log(
      `seed ${seed}: naive loss ${res.naive.systemLoss.toFixed(4)} (IC ${res.naive.icViolations}, IR ${res.naive.irViolations}) -> v${f.version} IC ${f.icViolations} IR ${f.irViolations} ` +
        `loss ${f.systemLoss.toFixed(4)} (${((100 * f.systemLoss) / res.naive.systemLoss).toFixed(1)}% of naive) reg ${f.regressionPass.toFixed(2)} ` +
        `rounds ${res.rounds.length} accepted ${res.rounds.filter((r) => r.accepted).length} archive ${res.archive} (${Math.round(performance.now() - t0)} ms)`,
    );
    if (!quiet) console.log(describeMechanism(res.mechanism).replace(/^/gm, '    '));
    out.push(res);
  }
  return out;
}
