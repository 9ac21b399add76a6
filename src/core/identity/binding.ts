// BAID bindings (docs/architecture.md §3, §6): making one, and checking one at tier T2.
//
// baid = SHA-256(codeHash ‖ configDigest ‖ operatorKey ‖ salt): a commitment to what the agent runs,
// how it is configured and who operates it; the agent key is bound to it by both signatures.
// This module holds the pure checks; the stateful parts of T2 (version chains, revocations, the
// cache) live in the tiered verifier.

import { concatBytes, equalBytes } from '../base/bytes.js';
import {
  bindingToBeSigned,
  configDigestInput,
  decodeBinding,
  encodeBinding,
  type Binding,
  type ConfigHashes,
  type SignedBinding,
} from '../codec/binding.js';
import type { Limits } from '../codec/limits.js';
import { DecodeError, decodeReason, type RejectReason } from '../base/errors.js';
import type { CryptoPort, Hashes } from '../base/ports.js';

export function computeBaid(
  h: Hashes,
  codeHash: Uint8Array,
  configDigest: Uint8Array,
  operatorKey: Uint8Array,
  salt: Uint8Array,
): Uint8Array {
  return h.sha256(concatBytes(codeHash, configDigest, operatorKey, salt));
}

export function configDigest(h: Hashes, c: ConfigHashes): Uint8Array {
  return h.sha256(configDigestInput(c));
}

export interface BindingParams {
  readonly operatorSecret: Uint8Array;
  readonly agentSecret: Uint8Array;
  readonly codeHash: Uint8Array;
  readonly config: ConfigHashes;
  readonly salt: Uint8Array;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly scope?: readonly string[];
  readonly version?: number;
  readonly prev?: Uint8Array;
  readonly nextKeyHash?: Uint8Array;
  readonly bond?: number;
}

/** Builds and signs a binding with both keys. Throws RangeError on misuse (bad sizes, window). */
export function makeBinding(c: CryptoPort, p: BindingParams): { binding: Binding; bytes: Uint8Array } {
  if (p.codeHash.length !== 32) throw new RangeError('makeBinding: codeHash must be 32 bytes');
  if (p.salt.length < 16 || p.salt.length > 32) throw new RangeError('makeBinding: salt must be 16..32 bytes');
  if (!(p.notAfter > p.notBefore)) throw new RangeError('makeBinding: notAfter must be after notBefore');
  const operatorKey = c.signer.publicKey(p.operatorSecret);
  const agentKey = c.signer.publicKey(p.agentSecret);
  const digest = configDigest(c, p.config);
  const binding: Binding = {
    baid: computeBaid(c, p.codeHash, digest, operatorKey, p.salt),
    agentKey,
    operatorKey,
    codeHash: p.codeHash,
    configDigest: digest,
    config: p.config,
    version: p.version ?? 1,
    ...(p.prev ? { prev: p.prev } : {}),
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    ...(p.nextKeyHash ? { nextKeyHash: p.nextKeyHash } : {}),
    scope: p.scope ?? [],
    salt: p.salt,
    ...(p.bond !== undefined ? { bond: p.bond } : {}),
  };
  const opSig = c.signer.sign(p.operatorSecret, bindingToBeSigned(binding, operatorKey));
  const agSig = c.signer.sign(p.agentSecret, bindingToBeSigned(binding, agentKey));
  return { binding, bytes: encodeBinding(binding, opSig, agSig) };
}

/** Decodes binding bytes (codec/binding.ts); injectable so a simulator can share immutable results. */
export type BindingDecoder = (bytes: Uint8Array, limits: Limits) => SignedBinding;

export type BindingCheck =
  | { readonly ok: true; readonly signed: SignedBinding }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string; readonly signed?: SignedBinding };

/**
 * T2 on one binding, statelessly: canonical decoding, baid and configDigest recomputed, both
 * signatures (operator and agent), validity window at `now`. `operators`, when given, is the set of
 * operator keys (hex) this node accepts; a binding by any other operator is `binding_invalid`.
 */
export function checkBinding(
  c: CryptoPort,
  bytes: Uint8Array,
  now: number,
  limits: Limits,
  operators?: ReadonlySet<string>,
  toHex?: (b: Uint8Array) => string,
  decode: BindingDecoder = decodeBinding,
): BindingCheck {
  let s: SignedBinding;
  try {
    s = decode(bytes, limits);
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, reason: decodeReason(e), detail: e.message };
    throw e;
  }
  const b = s.binding;
  if (!equalBytes(configDigest(c, b.config), b.configDigest))
    return { ok: false, reason: 'binding_invalid', detail: 'configDigest does not match config hashes' };
  if (!equalBytes(computeBaid(c, b.codeHash, b.configDigest, b.operatorKey, b.salt), b.baid))
    return { ok: false, reason: 'binding_invalid', detail: 'baid does not match its commitment' };
  if (operators && toHex && !operators.has(toHex(b.operatorKey)))
    return { ok: false, reason: 'binding_invalid', detail: 'operator not accepted by this node' };
  const results = c.verifier.verifyBatch(s.signers.map((x) => ({ pub: x.kid, msg: x.toBeSigned, sig: x.signature })));
  if (!results[0]) return { ok: false, reason: 'bad_signature', detail: 'operator signature does not verify' };
  if (!results[1]) return { ok: false, reason: 'bad_signature', detail: 'agent signature does not verify' };
  // Everything but the window holds: the decoded binding comes back so a chain can use a past version.
  if (now < b.notBefore || now >= b.notAfter)
    return { ok: false, reason: 'binding_expired', detail: `outside ${b.notBefore}..${b.notAfter}`, signed: s };
  return { ok: true, signed: s };
}
