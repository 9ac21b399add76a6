// Interest sketches (docs/architecture.md §3, §5): a 256-bit Bloom filter over a body's tags and their dotted
// prefixes (`code.review.security` also inserts `code.review` and `code`), carried in every header so
// a receiver decides whether to pull the body without seeing it.
//
// k = 4 bit positions per item, taken from the first 4 bytes of SHA-256("agentnet/sketch/1" ‖ item).
// False-positive rate (1 - e^(-k·n/256))^k: ~6e-5 for n = 6 items (2 tags of 3 levels), ~1.5% for
// n = 32, ~13% at the 96-item worst case (32 tags x 3 levels). A false positive only costs a body pull:
// the full semantic match on the pulled body decides.
//
// Fill bound (docs/spec/sketch.md "Fill"): a sketch may have at most MAX_SKETCH_BITS = 128 of its 256 bits
// set, what 32 items set at most. A fuller sketch (all ones matches every interest, so every follower of
// the topic would pull that body) is refused by receivers (`sketch_overfull`: the body is not pulled), and
// an author declares at most 32 items (core/api/requests.ts), so its sketches always pass.

import { concatBytes, utf8 } from '../base/bytes.js';
import type { Hashes } from '../base/ports.js';

export const SKETCH_BYTES = 32;
const K = 4;
/** Items a sketch always has room for: 4 bits each. */
export const SKETCH_ITEMS = 32;
/** Most bits a sketch may have set (half of them: a false positive on a one-tag interest at most 1 in 16). */
export const MAX_SKETCH_BITS = K * SKETCH_ITEMS;
const DOMAIN = utf8('agentnet/sketch/1');

/** `a.b.c` -> [`a`, `a.b`, `a.b.c`]. */
export function dottedPrefixes(tag: string): string[] {
  const parts = tag.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
}

function positions(h: Hashes, item: string): number[] {
  const d = h.sha256(concatBytes(DOMAIN, utf8(item)));
  return [d[0]!, d[1]!, d[2]!, d[3]!].slice(0, K);
}

export function makeSketch(h: Hashes, tags: readonly string[]): Uint8Array {
  const s = new Uint8Array(SKETCH_BYTES);
  for (const t of tags)
    for (const p of dottedPrefixes(t)) for (const bit of positions(h, p)) s[bit >> 3]! |= 1 << (bit & 7);
  return s;
}

/** The bits `tag` sets (its own, not its prefixes'): a sketch has the tag when it has every bit of this mask. */
export function sketchMask(h: Hashes, tag: string): Uint8Array {
  const s = new Uint8Array(SKETCH_BYTES);
  for (const bit of positions(h, tag)) s[bit >> 3]! |= 1 << (bit & 7);
  return s;
}

/** True when `sketch` has every bit of `mask` (a sketchMask): the test without hashing the tag again. */
export function sketchCovers(sketch: Uint8Array, mask: Uint8Array): boolean {
  for (let i = 0; i < SKETCH_BYTES; i++) if ((sketch[i]! & mask[i]!) !== mask[i]) return false;
  return true;
}

export function sketchHas(h: Hashes, sketch: Uint8Array, tag: string): boolean {
  return positions(h, tag).every((bit) => ((sketch[bit >> 3]! >> (bit & 7)) & 1) === 1);
}

/** True when every tag of the interest may be in the sketch (Bloom: no false negatives). */
export function sketchMatches(h: Hashes, sketch: Uint8Array, interestTags: readonly string[]): boolean {
  return interestTags.length > 0 && interestTags.every((t) => sketchHas(h, sketch, t));
}

/** Bits set in a sketch. */
export function sketchFill(sketch: Uint8Array): number {
  let n = 0;
  for (let b of sketch) for (; b; b &= b - 1) n++;
  return n;
}

/** Distinct items (tags and their dotted prefixes) of a tag list: what the sketch is built from. */
export function sketchItems(tags: readonly string[]): number {
  return new Set(tags.flatMap(dottedPrefixes)).size;
}
