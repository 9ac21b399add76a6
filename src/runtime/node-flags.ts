// The Node/V8 flags and environment a firmware profile asks the runtime to start with. One function,
// read by everything that starts a node for users: the systemd drop-in (cli/deploy-files.ts:
// AGENTNET_NODE_FLAGS, expanded on the unit's ExecStart line, and Environment=), the packaged
// launcher bin/agentnet (cli/package.ts writes the flags of each profile into
// systemd/profiles/<name>.node-flags) and the footprint bench (bench/footprint.ts), so what is
// measured is what is deployed. They go on the command line, not in NODE_OPTIONS: Node refuses V8
// flags such as --no-opt there ("is not allowed in NODE_OPTIONS"). Effects measured on the development
// machine are in firmware-profiles/README.md ("v8Mode") and docs/devices.md (Footprint).

import type { Profile } from './profile.js';

/**
 * Flags of `v8Mode: "small"`; each trades speed of hot JavaScript (not WASM: the signature kernels
 * keep V8's optimising WASM tier) for memory:
 * - `--no-opt`: no optimising JS compiler (TurboFan): no optimised code, no compiler zones, and its
 *   pages of the node binary are never touched. Hot JS stays in the interpreter/baseline tiers.
 * - `--optimize-for-size`: V8's memory-over-speed choices (smaller heap growth steps, more flushing).
 * - `--single-threaded-gc`: GC on the main thread only (no parallel/concurrent helpers and their
 *   malloc arenas); pauses on a heap of ~15 MiB stay in the low milliseconds.
 * - `--v8-pool-size=1`: one V8 platform worker thread instead of 4 (Node's default).
 */
export const SMALL_V8_FLAGS: readonly string[] = [
  '--no-opt',
  '--optimize-for-size',
  '--single-threaded-gc',
  '--v8-pool-size=1',
];

/** Node/V8 command-line flags: heap limits, then the profile's V8 mode. */
export function nodeFlags(p: Profile): string[] {
  return [
    `--max-old-space-size=${p.maxOldSpaceMiB}`,
    `--max-semi-space-size=${p.maxSemiSpaceMiB}`,
    ...(p.v8Mode === 'small' ? SMALL_V8_FLAGS : []),
  ];
}

/**
 * Environment for every profile. `MALLOC_ARENA_MAX=2`: glibc gives each thread that mallocs its own
 * arena (up to 8 per core); the V8 workers, libuv's pool and SQLite each leave partly used arenas
 * behind. Two arenas keep that in check at no measurable cost for a single-threaded event loop.
 */
export function nodeEnv(_p: Profile): Record<string, string> {
  return { MALLOC_ARENA_MAX: '2' };
}
