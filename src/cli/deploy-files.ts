// Files generated from a firmware profile for a deployment: the systemd drop-in that applies the
// profile's memory budget and Node flags, the launcher bin/agentnet, journald retention, and the
// default node config.

import { nodeEnv, nodeFlags } from '../runtime/node-flags.js';
import type { Profile } from '../runtime/profile.js';

/** agentnet.service.d/10-profile.conf for one profile. */
export function dropIn(p: Profile): string {
  return `# Drop-in for agentnet.service from firmware profile ${p.name} (${p.description}).
[Service]
Environment=AGENTNET_PROFILE=${p.name}
# Every journal record of the unit carries the profile: journalctl -u agentnet AGENTNET_PROFILE=${p.name}
LogExtraFields=AGENTNET_PROFILE=${p.name}
# V8 would otherwise size its heap from the cgroup limit; the profile's heap leaves room for WASM,
# the SQLite cache (${p.sqliteCacheKiB} KiB) and native buffers inside MemoryMax.
# A small young generation keeps RSS down while the node re-verifies known agents at start.
# v8Mode "${p.v8Mode}"${p.v8Mode === 'small' ? ' adds the memory-over-speed V8 flags' : ': V8 defaults'} (firmware-profiles/README.md). The unit expands
# AGENTNET_NODE_FLAGS on node's command line: Node refuses V8 flags in NODE_OPTIONS.
Environment="AGENTNET_NODE_FLAGS=${nodeFlags(p).join(' ')}"
${Object.entries(nodeEnv(p))
  .map(([k, v]) => `Environment=${k}=${v}`)
  .join('\n')}
MemoryMax=${p.memoryBudgetMiB}M
MemoryHigh=${Math.floor(p.memoryBudgetMiB * 0.9)}M
MemorySwapMax=0
TasksMax=64
`;
}

/** systemd/profiles/<name>.node-flags in the package: the flags bin/agentnet starts node with. */
export function nodeFlagsFile(p: Profile): string {
  return `${nodeFlags(p).join(' ')}\n`;
}

/**
 * bin/agentnet in the package: expands the runtime on first use, then runs the bundle with the
 * profile's Node flags and environment, as the systemd unit does. The profile is the one named by
 * --profile, else AGENTNET_PROFILE, else the package's default; a profile given as a .json path gets
 * the default profile's flags. AGENTNET_NODE_FLAGS, when set (even empty), replaces the file's flags.
 */
export function launcher(): string {
  return `#!/bin/sh
# agentnet with the packaged Node runtime (expanded from bin/node.xz on first use if install.sh did not),
# started with the firmware profile's Node flags (systemd/profiles/<profile>.node-flags).
here=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$here/bin/node" ] || sh "$here/bin/expand-node.sh" || exit 1
profile=\${AGENTNET_PROFILE:-$(cat "$here/systemd/default-profile")}
prev=
for a in "$@"; do
  case "$a" in --profile=*) profile=\${a#--profile=} ;; esac
  [ "$prev" = --profile ] && profile=$a
  prev=$a
done
[ -f "$here/systemd/profiles/$profile.node-flags" ] || profile=$(cat "$here/systemd/default-profile")
flags=\${AGENTNET_NODE_FLAGS-$(cat "$here/systemd/profiles/$profile.node-flags")}
MALLOC_ARENA_MAX=\${MALLOC_ARENA_MAX:-2}
export MALLOC_ARENA_MAX
# $flags unquoted on purpose: one word per flag.
exec "$here/bin/node" $flags "$here/dist/agentnet.mjs" "$@"
`;
}

/** /etc/systemd/journald.conf.d/60-agentnet.conf: keeps the journal from filling the card. */
export function journaldConf(p: Profile): string {
  return `# From agentnet firmware profile ${p.name}: journalMaxUseMiB.
[Journal]
SystemMaxUse=${p.journalMaxUseMiB}M
`;
}

/** /etc/agentnet/config.json written by install.sh when none exists (dataDir comes from the unit). */
export function defaultConfig(p: Profile): string {
  return (
    JSON.stringify({ network: 'default', profile: p.name, logLevel: 'info', follow: [], declarations: [] }, null, 2) +
    '\n'
  );
}
