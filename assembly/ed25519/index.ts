// Ed25519 verification kernel: the exported boundary (docs/conventions.md §10).
//
// Memory is fixed at instantiation (build.mjs sets initial = maximum pages; nothing calls
// memory.grow and the hot path allocates nothing: every buffer below is a static region).
// The host writes inputs into the regions whose offsets the *Ptr() functions return, then calls:
//   verify(msgLen)      item 0: PUBS[0..32), SIGS[0..64), message ARENA[0..msgLen) -> 1 / 0
//   verifyDigest()      item 0 with the host's SHA-512(R || A || M) in DIGEST (messages > ARENA)
//   verifyBatch(n)      items 0..n-1: PUBS[32 i], SIGS[64 i], LENS[i] (u32) with messages packed
//                       back to back in ARENA, RAND[16 i] = 128-bit random z_i; writes RESULTS[i]
//                       (1 valid / 0 invalid) and returns the number valid, or -1 on misuse
//   sha512(len)         DIGEST = SHA-512(ARENA[0..len))   (exposed for tests)
// The TypeScript description of these exports is src/runtime/wasm/ed25519-abi.ts.
import { shaInit, shaUpdate, shaFinal } from '../sha512';
import { P3, geFromBytes } from './point';
import { scIsCanonical, scReduceBytes, scMul } from './scalar';
import { initVerify, verifyRaw, checkDecoded } from './verify';
import { decodeNegA } from './keycache';
export { keyCacheClear, keyCacheHits, keyCacheMisses } from './keycache';
import { MAX_BATCH, ITEM_A, ITEM_R, ITEM_ZK, initBatch, batchCheck, itemPrepare } from './batch';

const ARENA_BYTES: i32 = 256 * 1024;
const PUBS: usize = memory.data(32 * MAX_BATCH, 16);
const SIGS: usize = memory.data(64 * MAX_BATCH, 16);
const LENS: usize = memory.data(4 * MAX_BATCH, 16);
const RAND: usize = memory.data(16 * MAX_BATCH, 16);
const RESULTS: usize = memory.data(MAX_BATCH, 16);
const DIGEST: usize = memory.data(64, 16);
const ARENA: usize = memory.data(ARENA_BYTES, 16);

// Batch scratch: k_i and the active index list (decoded points live in batch.ts).
const ITEM_K: usize = memory.data(32 * MAX_BATCH, 16);
const IDX: usize = memory.data(4 * MAX_BATCH, 16);
const K: usize = memory.data(32, 16);
const H: usize = memory.data(64, 16);

initVerify();
initBatch();

export function abiVersion(): i32 { return 2; }
export function maxBatch(): i32 { return MAX_BATCH; }
export function arenaBytes(): i32 { return ARENA_BYTES; }
export function pubsPtr(): usize { return PUBS; }
export function sigsPtr(): usize { return SIGS; }
export function lensPtr(): usize { return LENS; }
export function randPtr(): usize { return RAND; }
export function resultsPtr(): usize { return RESULTS; }
export function digestPtr(): usize { return DIGEST; }
export function arenaPtr(): usize { return ARENA; }

export function sha512(len: i32): void {
  shaInit(); shaUpdate(ARENA, <usize>len); shaFinal(DIGEST);
}

/** k = SHA-512(R || A || M) mod L (RFC 8032 §5.1.7 step 2) into out. */
function challenge(out: usize, pub: usize, sig: usize, msg: usize, len: usize): void {
  shaInit(); shaUpdate(sig, 32); shaUpdate(pub, 32); shaUpdate(msg, len); shaFinal(H);
  scReduceBytes(out, H, 64);
}

export function verify(msgLen: i32): i32 {
  if (msgLen < 0 || msgLen > ARENA_BYTES) return -1;
  challenge(K, PUBS, SIGS, ARENA, <usize>msgLen);
  return verifyRaw(PUBS, SIGS, K) ? 1 : 0;
}

export function verifyDigest(): i32 {
  scReduceBytes(K, DIGEST, 64);
  return verifyRaw(PUBS, SIGS, K) ? 1 : 0;
}

const LEAF_RUN: i32 = 8;

function leaf(i: usize): bool {
  return checkDecoded(ITEM_A + i * P3, ITEM_R + i * P3, ITEM_K + (i << 5), SIGS + (i << 6) + 32);
}

/** Results for IDX[lo..hi); knownBad: the caller has proven this range holds a failing item. */
function bisect(lo: i32, hi: i32, knownBad: bool): void {
  const m = hi - lo;
  // Up to LEAF_RUN items, single checks (Straus, ~2.5k field multiplications each) cost no more
  // than a Pippenger MSM over 2m + 1 points, whose per-window bucket overhead dominates when small.
  if (m <= LEAF_RUN) {
    for (let j = lo; j < hi; j++) {
      const i = <usize>load<u32>(IDX + (<usize>j << 2));
      store<u8>(RESULTS + i, leaf(i) ? 1 : 0);
    }
    return;
  }
  if (!knownBad && batchCheck(IDX + (<usize>lo << 2), m, RAND, SIGS)) {
    for (let j = lo; j < hi; j++) store<u8>(RESULTS + <usize>load<u32>(IDX + (<usize>j << 2)), 1);
    return;
  }
  const mid = lo + (m >> 1);
  // If the left half passes, the right half must hold the failure (the combined check never
  // rejects a set of individually valid items), so it is split without re-checking it whole.
  bisect(lo, mid, false);
  let leftOk = true;
  for (let j = lo; j < mid; j++) if (load<u8>(RESULTS + <usize>load<u32>(IDX + (<usize>j << 2))) == 0) { leftOk = false; break; }
  bisect(mid, hi, leftOk);
}

export function verifyBatch(n: i32): i32 {
  if (n < 0 || n > MAX_BATCH) return -1;
  let off: usize = 0;
  for (let i = 0; i < n; i++) off += <usize>load<u32>(LENS + (<usize>i << 2));
  if (off > <usize>ARENA_BYTES) return -1;
  memory.fill(RESULTS, 0, MAX_BATCH);
  // Rule steps 2-5 per item (verify.ts header); failures are final (0) and leave the combination.
  let m = 0; off = 0;
  for (let i: usize = 0; i < <usize>n; i++) {
    const len = <usize>load<u32>(LENS + (i << 2));
    const msg = ARENA + off; off += len;
    const pub = PUBS + (i << 5), sig = SIGS + (i << 6);
    const a = ITEM_A + i * P3, r = ITEM_R + i * P3;
    if (!scIsCanonical(sig + 32) || !decodeNegA(a, pub) || !geFromBytes(r, sig)) continue;
    challenge(ITEM_K + (i << 5), pub, sig, msg, len);
    // z_i odd, hence non-zero mod L (L is odd and z_i < 2^128 < L).
    store<u8>(RAND + (i << 4), load<u8>(RAND + (i << 4)) | 1);
    scMul(ITEM_ZK + (i << 5), RAND + (i << 4), 16, ITEM_K + (i << 5), 32);
    itemPrepare(i);
    store<u32>(IDX + (<usize>m << 2), <u32>i); m++;
  }
  if (m > 0) bisect(0, m, false);
  let ok = 0;
  for (let i = 0; i < n; i++) ok += <i32>load<u8>(RESULTS + <usize>i);
  return ok;
}
