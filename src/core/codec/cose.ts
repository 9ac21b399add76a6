// COSE_Sign1 (tag 18) and COSE_Sign (tag 98) with EdDSA (alg -8), RFC 9052 §4.
//
// "What to sign" is computed apart from signing (docs/conventions.md §4): `sign1ToBeSigned` and `signToBeSigned`
// return the Sig_structure bytes (RFC 9052 §4.4); callers hand them to a signer or verifier. Any COSE
// library can check our signatures because the Sig_structure is the standard one.
//
// The protected header carries the algorithm and a content type naming the object
// (`agentnet/entry/1`, ...), which separates domains: an entry signature can never be replayed as a
// binding signature. We require the protected header to be exactly our canonical map and the
// unprotected header to be empty, so every object has one encoding and one id.

import { equalBytes } from '../base/bytes.js';
import { decodeError } from '../base/errors.js';
import { decodeCbor, encodeCbor, Tagged, type CborMap, type CborValue } from './cbor.js';

export const ALG_EDDSA = -8;
export const TAG_SIGN1 = 18;
export const TAG_SIGN = 98;
const HDR_ALG = 1;
const HDR_CT = 3;
const HDR_KID = 4;

export const CONTENT_TYPES = {
  entry: 'agentnet/entry/1',
  binding: 'agentnet/binding/1',
  birth: 'agentnet/birth/1',
  frontier: 'agentnet/frontier/1',
  revocation: 'agentnet/revocation/1',
  receipt: 'agentnet/receipt/1',
  checkpoint: 'agentnet/checkpoint/1',
  credential: 'agentnet/credential/1',
  mechanism: 'agentnet/mechanism/1',
  task: 'agentnet/task/1',
  continuation: 'agentnet/continuation/1',
  complaint: 'agentnet/complaint/1',
  request: 'agentnet/request/1',
} as const;
export type ContentType = (typeof CONTENT_TYPES)[keyof typeof CONTENT_TYPES];

const EMPTY = new Uint8Array(0);

const protectedCache = new Map<string, Uint8Array>();

/** The canonical protected header bytes per content type (computed once: they are constants). */
export function sign1Protected(ct: ContentType): Uint8Array {
  let p = protectedCache.get(ct);
  if (!p)
    protectedCache.set(
      ct,
      (p = encodeCbor(
        new Map<number, CborValue>([
          [HDR_ALG, ALG_EDDSA],
          [HDR_CT, ct],
        ]),
      )),
    );
  return p;
}

/** Sig_structure for COSE_Sign1: ["Signature1", body_protected, external_aad, payload]. */
export function sign1ToBeSigned(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeCbor(['Signature1', protectedBytes, EMPTY, payload]);
}

export function encodeSign1(ct: ContentType, payload: Uint8Array, signature: Uint8Array): Uint8Array {
  return encodeCbor(new Tagged(TAG_SIGN1, [sign1Protected(ct), new Map(), payload, signature]));
}

export interface Sign1 {
  readonly payload: Uint8Array;
  readonly signature: Uint8Array;
  /** The Sig_structure bytes the signature must cover. */
  readonly toBeSigned: Uint8Array;
}

function coseArray(bytes: Uint8Array, tag: number, maxBytes: number): CborValue[] {
  const v = decodeCbor(bytes, { maxBytes, maxDepth: 8, tags: [tag] });
  if (!(v instanceof Tagged) || v.tag !== tag || !Array.isArray(v.value) || v.value.length !== 4) {
    throw decodeError('BAD_COSE', `expected COSE structure with tag ${tag}`);
  }
  return v.value;
}

function emptyMap(v: CborValue | undefined, what: string): void {
  if (!(v instanceof Map) || v.size !== 0) throw decodeError('BAD_COSE', `${what}: unprotected header must be empty`);
}

function bstr(v: CborValue | undefined, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw decodeError('BAD_COSE', `${what} must be a byte string`);
  return v;
}

export function decodeSign1(bytes: Uint8Array, ct: ContentType, maxBytes: number): Sign1 {
  const [prot, unprot, payload, sig] = coseArray(bytes, TAG_SIGN1, maxBytes);
  const p = bstr(prot, 'protected header');
  if (!equalBytes(p, sign1Protected(ct)))
    throw decodeError('BAD_COSE', `protected header is not {alg: EdDSA, content type: ${ct}}`);
  emptyMap(unprot, 'COSE_Sign1');
  const pl = bstr(payload, 'payload');
  const s = bstr(sig, 'signature');
  if (s.length !== 64) throw decodeError('BAD_COSE', 'EdDSA signature must be 64 bytes');
  return { payload: pl, signature: s, toBeSigned: sign1ToBeSigned(p, pl) };
}

// ---------------------------------------------------------------- COSE_Sign (several signers)

export function signBodyProtected(ct: ContentType): Uint8Array {
  return encodeCbor(new Map<number, CborValue>([[HDR_CT, ct]]));
}

export function signerProtected(kid: Uint8Array): Uint8Array {
  return encodeCbor(
    new Map<number, CborValue>([
      [HDR_ALG, ALG_EDDSA],
      [HDR_KID, kid],
    ]),
  );
}

/** Sig_structure for COSE_Sign: ["Signature", body_protected, sign_protected, external_aad, payload]. */
export function signToBeSigned(ct: ContentType, kid: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeCbor(['Signature', signBodyProtected(ct), signerProtected(kid), EMPTY, payload]);
}

export interface CoseSigner {
  /** The signer's 32-byte Ed25519 public key, carried as kid (RFC 9052 §3.1 label 4). */
  readonly kid: Uint8Array;
  readonly signature: Uint8Array;
}

export function encodeSign(ct: ContentType, payload: Uint8Array, signers: readonly CoseSigner[]): Uint8Array {
  const sigs = signers.map((s) => [signerProtected(s.kid), new Map() as CborMap, s.signature] as CborValue[]);
  return encodeCbor(new Tagged(TAG_SIGN, [signBodyProtected(ct), new Map(), payload, sigs]));
}

export interface SignMulti {
  readonly payload: Uint8Array;
  readonly signers: ReadonlyArray<CoseSigner & { readonly toBeSigned: Uint8Array }>;
}

export function decodeSign(bytes: Uint8Array, ct: ContentType, maxBytes: number, maxSigners = 4): SignMulti {
  const [prot, unprot, payload, sigs] = coseArray(bytes, TAG_SIGN, maxBytes);
  if (!equalBytes(bstr(prot, 'protected header'), signBodyProtected(ct)))
    throw decodeError('BAD_COSE', `protected header is not {content type: ${ct}}`);
  emptyMap(unprot, 'COSE_Sign');
  const pl = bstr(payload, 'payload');
  if (!Array.isArray(sigs) || sigs.length === 0 || sigs.length > maxSigners)
    throw decodeError('BAD_COSE', `1..${maxSigners} signatures required`);
  const signers = sigs.map((s, i) => {
    if (!Array.isArray(s) || s.length !== 3)
      throw decodeError('BAD_COSE', `signature ${i} must be [protected, unprotected, signature]`);
    const sp = bstr(s[0], `signature ${i} protected header`);
    const hdr = decodeCbor(sp, { maxBytes: 64, maxDepth: 1 });
    const kid = hdr instanceof Map ? hdr.get(HDR_KID) : undefined;
    if (!(kid instanceof Uint8Array) || kid.length !== 32 || !equalBytes(sp, signerProtected(kid))) {
      throw decodeError('BAD_COSE', `signature ${i} protected header is not {alg: EdDSA, kid: key}`);
    }
    emptyMap(s[1], `signature ${i}`);
    const sig = bstr(s[2], `signature ${i}`);
    if (sig.length !== 64) throw decodeError('BAD_COSE', `signature ${i} must be 64 bytes`);
    return { kid, signature: sig, toBeSigned: signToBeSigned(ct, kid, pl) };
  });
  return { payload: pl, signers };
}
