// The `agentnet` command. Exit codes: 0 success; 1 the command ran and failed (e.g. the demo missed a
// discovery, a signature did not verify); 2 usage or configuration error; 3 runtime failure.

import { parseArgs } from 'node:util';
import { AgentnetError } from '../runtime/errors.js';
import { UsageError } from './args.js';

const HELP = `agentnet: runtime for open networks of AI agents on edge devices

Usage: agentnet <command> [options]

Commands:
  run        run one node (config file, env, flags; embedded broker when none is given)
  mcp        Model Context Protocol server on stdio (starts a node, or --api URL attaches to one)
  check      is this device ready? config, profile, cgroup, page size, WASM, SQLite, clock, broker,
             watchdog; --selftest runs kernels, store, broker and two nodes (T1-T3)
  package    build dist/agentnet-<version>-<target>.tar.gz (Node 22 runtime, addon, systemd unit)
  demo       start an embedded broker and N agent processes that discover each other
  keygen     create an Ed25519 key file (hex seed, mode 0600) and its .pub
  bind       make a BAID binding of an agent key to an operator key and a code hash
  inspect    show the CBOR inside a file or hex string, and whether it is canonical agentnet data
  continue   after a restore from backup: start the next log epoch (operator-signed continuation)
  rotate     next version of a binding for a new agent key (pre-rotation checked)
  revoke     sign a revocation of an agent key by its operator
  registry   code-attestation registry: init, attest, checkpoint (k-of-n), prove (RFC 9162)
  credential issue an operator KYC credential (T3)
  verify     check Ed25519 signatures by hand (--pub/--msg/--sig or --cases FILE [--batch])
  bench      bench verify: per-device verification overhead (WASM, node:crypto, noble, tiers T0-T3);
             bench trust: the EigenTrust WASM kernel vs the TypeScript reference
  sim        sim discovery|scale: the discovery experiment (bodyless vs broadcast vs registry vs Kademlia) and scale;
             sim trust: the paper's cross-topic disguise collusion experiment (MG-EigenTrust vs baselines)
  a2a        a2a card: print or verify an A2A Agent Card (signature, BAID binding, skills)
  mechanism  mechanism evolve: the Stackelberg mechanism-generation loop with semantic attribution
  help       this text; 'agentnet <command> --help' for a command's options

Examples:
  agentnet demo --agents 10 --json demo.json
  agentnet run --data /var/lib/agentnet --network home --broker mqtt://127.0.0.1:1883
  agentnet mcp --data ~/.agentnet            # for an MCP client's config (stdio)
  agentnet keygen --out operator.key && agentnet keygen --out agent.key
  agentnet bind --operator-key operator.key --agent-key agent.key --days 90 --out binding.cbor
  agentnet bench verify --profile rpi4b --json rpi4b.json
  agentnet check --profile rpi-zero2w --selftest
  agentnet package --target linux-arm64 --profile rpi4b

Exit codes: 0 ok, 1 failed check, 2 usage/config error, 3 runtime failure.`;

type Cmd = (argv: string[]) => Promise<number>;
// Each command's module is imported when it runs (the bundle splits them into chunks): `agentnet run`
// then never parses or initializes the MCP SDK (zod, ajv), the simulators or the packager, which keeps
// its start-up time and resident memory down on small devices.
const COMMANDS: Record<string, () => Promise<Cmd>> = {
  run: async () => (await import('./run.js')).cmdRun,
  mcp: async () => (await import('./mcp.js')).cmdMcp,
  check: async () => (await import('./check.js')).cmdCheck,
  package: async () => (await import('./package.js')).cmdPackage,
  demo: async () => (await import('./demo.js')).runDemo,
  keygen: async () => (await import('./identity-cmds.js')).cmdKeygen,
  bind: async () => (await import('./identity-cmds.js')).cmdBind,
  inspect: async () => (await import('./identity-cmds.js')).cmdInspect,
  continue: async () => (await import('./identity-cmds.js')).cmdContinue,
  rotate: async () => (await import('./tools-cmds.js')).cmdRotate,
  revoke: async () => (await import('./tools-cmds.js')).cmdRevoke,
  registry: async () => (await import('./tools-cmds.js')).cmdRegistry,
  credential: async () => (await import('./tools-cmds.js')).cmdCredential,
  verify: async () => (await import('./verify-cmds.js')).cmdVerify,
  mechanism: async () => (await import('./mechanism-cmds.js')).cmdMechanism,
  a2a: async () => (await import('./a2a-cmds.js')).cmdA2a,
  sim: async () => (await import('./sim-cmds.js')).cmdSim,
  bench: async () => async (argv) => {
    const [what, ...rest] = argv;
    if (what === 'verify') return (await import('./verify-cmds.js')).cmdBenchVerify(rest);
    if (what === 'trust') return (await import('./sim-cmds.js')).cmdBenchTrust(rest);
    if (what === 'ingest') return (await import('./ingest-cmd.js')).cmdBenchIngest(rest);
    if (what === '--help' || what === '-h') {
      console.log(BENCH_HELP);
      return 0;
    }
    console.error(
      what === undefined ? BENCH_HELP : `agentnet bench: unknown benchmark ${JSON.stringify(what)}\n\n${BENCH_HELP}`,
    );
    return 2;
  },
};

const BENCH_HELP = `Usage: agentnet bench verify|trust|ingest [options]

  verify  per-device verification overhead: WASM single and batch, node:crypto, noble; tiers T0-T3
  trust   the EigenTrust WASM kernel against the TypeScript reference
  ingest  CPU per received entry of real node processes against the crypto cost of the same entries
'agentnet bench <what> --help' shows its options.
Exit codes: 0 done, 2 usage error (no or unknown benchmark), 3 runtime failure.
Example: agentnet bench verify --profile rpi4b --json rpi4b.json`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' || name === '--help' || name === '-h') {
    console.log(HELP);
    return 0;
  }
  if (!name) {
    console.error(HELP); // no command is a usage error: scripts must not mistake it for success
    return 2;
  }
  if (name === '--version') {
    console.log(process.env['npm_package_version'] ?? '0.1.0');
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    console.error(`agentnet: unknown command ${JSON.stringify(name)}\n\n${HELP}`);
    return 2;
  }
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (
      e instanceof UsageError ||
      (e instanceof Error && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`agentnet: ${e.message}`);
      process.exitCode = 2;
    } else if (
      e instanceof AgentnetError &&
      ['CONFIG_INVALID', 'PROFILE_INVALID', 'IDENTITY_MISSING', 'IDENTITY_INVALID'].includes(e.code)
    ) {
      console.error(`agentnet: ${e.message}`);
      process.exitCode = 2;
    } else {
      console.error(`agentnet: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exitCode = 3;
    }
  },
);
export { parseArgs };
