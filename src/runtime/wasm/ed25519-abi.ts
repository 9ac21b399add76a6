// The one hand-written description of build/ed25519.wasm's exports (assembly/ed25519/index.ts).
// Pointers are byte offsets into `memory`; all sizes are fixed when the module is instantiated.

/** Bumped with any change to the exports or buffer layout below. */
export const ED25519_ABI_VERSION = 2;

export interface Ed25519Exports {
  /** The kernel's fixed-size linear memory (never grows; views over its buffer stay valid). */
  readonly memory: { readonly buffer: ArrayBuffer };
  abiVersion(): number;
  /** Maximum items per verifyBatch call (256). */
  maxBatch(): number;
  /** Size of the message arena in bytes (256 KiB): single message limit, and batch total. */
  arenaBytes(): number;
  /** maxBatch() x 32-byte public keys; item 0 for verify/verifyDigest. */
  pubsPtr(): number;
  /** maxBatch() x 64-byte signatures R || S. */
  sigsPtr(): number;
  /** maxBatch() x u32 little-endian message lengths (batch); messages packed in the arena. */
  lensPtr(): number;
  /** maxBatch() x 16-byte random z_i for the batch's linear combination (host: getRandomValues). */
  randPtr(): number;
  /** maxBatch() bytes, 1 = valid / 0 = invalid, written by verifyBatch. */
  resultsPtr(): number;
  /** 64 bytes: SHA-512 output of sha512(), input of verifyDigest(). */
  digestPtr(): number;
  /** arenaBytes() bytes of message data. */
  arenaPtr(): number;
  /** Item 0 with message arena[0..msgLen): 1 valid, 0 invalid, -1 misuse (msgLen out of range). */
  verify(msgLen: number): number;
  /** Item 0 with digest = SHA-512(R || A || M) computed by the host (messages beyond the arena). */
  verifyDigest(): number;
  /** Items 0..n-1; writes results, returns the number valid, -1 misuse (n or total length). */
  verifyBatch(n: number): number;
  /** digest = SHA-512(arena[0..len)). */
  sha512(len: number): void;
  /** Empties the cache of decoded public keys (assembly/ed25519/keycache.ts) and its counters. */
  keyCacheClear(): void;
  /** Lookups of the decoded-key cache since the last clear that found the key / did not. */
  keyCacheHits(): number;
  keyCacheMisses(): number;
}
