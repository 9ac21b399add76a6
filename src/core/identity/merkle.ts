// RFC 9162 (Certificate Transparency v2) Merkle tree hashing and inclusion proofs, over SHA-256.
//   leaf hash  = SHA-256(0x00 ‖ leaf)                       (§2.1.1, domain-separated from nodes)
//   node hash  = SHA-256(0x01 ‖ left ‖ right)
//   MTH(D[n])  = split at k, the largest power of two < n   (§2.1.1)
// Inclusion proofs are generated (§2.1.3.1) for the registry tool and verified (§2.1.3.2) at T3.

import { concatBytes, equalBytes } from '../base/bytes.js';
import type { Hashes } from '../base/ports.js';

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);

export const leafHash = (h: Hashes, leaf: Uint8Array): Uint8Array => h.sha256(concatBytes(LEAF, leaf));
const nodeHash = (h: Hashes, l: Uint8Array, r: Uint8Array): Uint8Array => h.sha256(concatBytes(NODE, l, r));

function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over the leaves; the empty tree hashes to SHA-256 of nothing (§2.1.1). */
export function merkleRoot(h: Hashes, leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return h.sha256(new Uint8Array(0));
  if (leaves.length === 1) return leafHash(h, leaves[0]!);
  const k = split(leaves.length);
  return nodeHash(h, merkleRoot(h, leaves.slice(0, k)), merkleRoot(h, leaves.slice(k)));
}

/** PATH(m, D[n]) of §2.1.3.1. */
export function inclusionPath(h: Hashes, m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  if (!Number.isInteger(m) || m < 0 || m >= leaves.length)
    throw new RangeError(`inclusionPath: index ${m} outside 0..${leaves.length - 1}`);
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...inclusionPath(h, m, leaves.slice(0, k)), merkleRoot(h, leaves.slice(k))]
    : [...inclusionPath(h, m - k, leaves.slice(k)), merkleRoot(h, leaves.slice(0, k))];
}

/** Verification algorithm of §2.1.3.2: true iff `leaf` is at `index` of the tree with `root`. */
export function verifyInclusion(
  h: Hashes,
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (index >= treeSize || index < 0) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash(h, leaf);
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(h, p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(h, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}
