// A mechanism as the requester publishes it: COSE_Sign1 over the canonical spec bytes (content type
// agentnet/mechanism/1, so the signature cannot be replayed as any other object), carried in a
// `constraint` declaration so it gossips like every other body (docs/architecture.md §8). The signed bytes are
// computed apart from signing (docs/conventions.md §4); a peer verifies `toBeSigned` with the requester's key.

import { fromHex, toHex } from '../base/bytes.js';
import type { Body } from '../codec/body.js';
import { CONTENT_TYPES, decodeSign1, encodeSign1, sign1Protected, sign1ToBeSigned, type Sign1 } from '../codec/cose.js';
import { decodeError } from '../base/errors.js';
import type { SigSigner } from '../base/ports.js';
import { decodeMechanism, encodeMechanism, type Mechanism } from './mechanism.js';

const CT = CONTENT_TYPES.mechanism;
/** Prefix of Body.constraints that carries a signed mechanism as hex. */
export const CONSTRAINT_PREFIX = 'agentnet/mechanism/1:';
const MAX_SIGNED = 1024;

export function mechanismToBeSigned(m: Mechanism): Uint8Array {
  return sign1ToBeSigned(sign1Protected(CT), encodeMechanism(m));
}

export function signMechanism(signer: SigSigner, secret: Uint8Array, m: Mechanism): Uint8Array {
  return encodeSign1(CT, encodeMechanism(m), signer.sign(secret, mechanismToBeSigned(m)));
}

/** Structure and spec of a signed mechanism; the caller checks `sign1.signature` over `sign1.toBeSigned`. */
export function decodeSignedMechanism(bytes: Uint8Array): { mechanism: Mechanism; sign1: Sign1 } {
  const sign1 = decodeSign1(bytes, CT, MAX_SIGNED);
  return { mechanism: decodeMechanism(sign1.payload), sign1 };
}

/** The `constraint` declaration body that announces a signed mechanism under `tags`. */
export function mechanismBody(signed: Uint8Array, tags: readonly string[], text: string): Body {
  return { kind: 'constraint', tags, text, constraints: CONSTRAINT_PREFIX + toHex(signed) };
}

export function signedMechanismFromBody(b: Body): Uint8Array {
  if (b.kind !== 'constraint' || !b.constraints?.startsWith(CONSTRAINT_PREFIX))
    throw decodeError('BAD_VALUE', 'body does not carry a mechanism');
  try {
    return fromHex(b.constraints.slice(CONSTRAINT_PREFIX.length));
  } catch {
    throw decodeError('BAD_VALUE', 'mechanism constraint is not hex');
  }
}
