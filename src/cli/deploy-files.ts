// Files generated from a firmware profile for a deployment: the systemd drop-in that applies the
// profile's memory budget and heap size, journald retention, and the default node config.

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
Environment="NODE_OPTIONS=--max-old-space-size=${p.maxOldSpaceMiB} --max-semi-space-size=${p.maxSemiSpaceMiB}"
MemoryMax=${p.memoryBudgetMiB}M
MemoryHigh=${Math.floor(p.memoryBudgetMiB * 0.9)}M
MemorySwapMax=0
TasksMax=64
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
  return JSON.stringify({ network: 'default', profile: p.name, logLevel: 'info', follow: [], declarations: [] }, null, 2) + '\n';
}
