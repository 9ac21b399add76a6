// Immutable data shared across simulated nodes (docs/architecture.md §10: identical work is shared across nodes,
// nothing is faked). A decoded binding is a pure function of its bytes, so all nodes can hold the same
// decoded object: the decoder below is content-addressed by SHA-256 of the bytes. Every node still
// runs every check of its own (signatures through the memo, windows, chains, revocations: its own
// IdentityTiers state); only the decoded, frozen-by-convention object is shared. Decoding failures are
// not cached (the DecodeError is thrown again for every node that sees the bytes).

import { toHex } from '../../core/base/bytes.js';
import { decodeBinding, type SignedBinding } from '../../core/codec/binding.js';
import type { BindingDecoder } from '../../core/identity/binding.js';
import type { Hashes } from '../../core/base/ports.js';

export function sharedBindingDecoder(h: Hashes, maxEntries = 1 << 17): BindingDecoder {
  const cache = new Map<string, SignedBinding>();
  return (bytes, limits) => {
    const k = toHex(h.sha256(bytes));
    const hit = cache.get(k);
    if (hit) return hit;
    const d = decodeBinding(bytes, limits);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(k, d);
    return d;
  };
}
