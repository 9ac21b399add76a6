// What the baselines send, built and checked with the core's own codec and verifier, so every
// method carries the same real, signed objects (entry + body + birth with its binding) and pays the
// same verification: a baseline differs in how declarations travel, not in what they are.

import { toHex, equalBytes } from '../../core/base/bytes.js';
import { decodeBody, encodeBody, type Body } from '../../core/codec/body.js';
import { decodeCbor, encodeCbor } from '../../core/codec/cbor.js';
import {
  decodeEntry,
  encodeEntry,
  entryToBeSigned,
  type Entry,
  type Kind,
  type SignedEntry,
} from '../../core/codec/entry.js';
import { DEFAULT_LIMITS } from '../../core/codec/limits.js';
import { birthToBeSigned, decodeBirth, encodeBirth, type Birth } from '../../core/codec/messages.js';
import { DecodeError } from '../../core/base/errors.js';
import { makeSketch } from '../../core/gossip/sketch.js';
import { IdentityTiers } from '../../core/identity/tiers.js';
import type { CryptoPort } from '../../core/base/ports.js';
import { SIM_EPOCH, type SimIdentity } from '../net/identities.js';

export interface SignedDecl {
  readonly entry: Uint8Array;
  readonly body: Uint8Array;
}

/** A one-entry log (seq 1) holding one declaration, signed by the agent key. */
export function signDecl(
  c: CryptoPort,
  id: SimIdentity,
  now: number,
  d: { kind: Kind; topic: string; tags: readonly string[]; text: string; ttlMs: number },
): SignedDecl {
  const body = encodeBody({ kind: d.kind, tags: [...d.tags], text: d.text });
  const e: Entry = {
    author: id.agentKey,
    topic: d.topic,
    epoch: 0,
    seq: 1,
    kind: d.kind,
    ts: SIM_EPOCH + now,
    expires: SIM_EPOCH + now + d.ttlMs,
    bodyHash: c.sha256(body),
    bodyLen: body.length,
    sketch: makeSketch(c, d.tags),
    tier: 2,
  };
  return { entry: encodeEntry(e, c.signer.sign(id.agentSecret, entryToBeSigned(e))), body };
}

export function signBirth(c: CryptoPort, id: SimIdentity, now: number): Uint8Array {
  const b: Birth = { author: id.agentKey, epoch: 0, ts: SIM_EPOCH + now, binding: id.binding, alive: true };
  return encodeBirth(b, c.signer.sign(id.agentSecret, birthToBeSigned(b)));
}

/** CBOR array of byte strings: the baselines' envelope. */
export const pack = (...parts: Uint8Array[]): Uint8Array => encodeCbor(parts);
export function unpack(b: Uint8Array): Uint8Array[] | undefined {
  try {
    const v = decodeCbor(b, { maxBytes: DEFAULT_LIMITS.messageBytes, maxDepth: 2 });
    return Array.isArray(v) && v.every((x) => x instanceof Uint8Array) ? (v as Uint8Array[]) : undefined;
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

export interface Verified {
  readonly author: string;
  readonly entry: Entry;
  readonly body: Body;
}

/** The core's tiered verifier (T0-T2) applied to baseline messages. */
export class DeclChecker {
  readonly verifier: IdentityTiers;
  constructor(private readonly c: CryptoPort) {
    this.verifier = new IdentityTiers(c, DEFAULT_LIMITS);
  }

  knows(authorHex: string): boolean {
    return this.verifier.bindingOf(authorHex) !== undefined;
  }

  /** T2 on the birth's binding and T1 on the birth; returns the author hex or undefined. */
  birth(bytes: Uint8Array, now: number): string | undefined {
    try {
      const { birth, signature, toBeSigned } = decodeBirth(bytes, DEFAULT_LIMITS);
      if (!birth.alive) return undefined; // the baselines send births only
      const acc = this.verifier.acceptBinding(birth.binding, SIM_EPOCH + now);
      if (!acc.ok && acc.reason !== 'stale') return undefined;
      if (!equalBytes(acc.binding?.agentKey ?? birth.author, birth.author)) return undefined;
      if (!this.verifier.checkSigned(birth.author, toBeSigned, signature, birth.ts).ok) return undefined;
      return toHex(birth.author);
    } catch (e) {
      if (e instanceof DecodeError) return undefined;
      throw e;
    }
  }

  /** Decodes an entry without checking it (to know whose birth to fetch first). */
  parse(entry: Uint8Array): SignedEntry | undefined {
    try {
      return decodeEntry(entry, DEFAULT_LIMITS);
    } catch (e) {
      if (e instanceof DecodeError) return undefined;
      throw e;
    }
  }

  /** T0/T1 on the entry, then the body against the entry's hash and length. */
  decl(entry: Uint8Array, body: Uint8Array, parsed?: SignedEntry): Verified | undefined {
    try {
      const se = parsed ?? decodeEntry(entry, DEFAULT_LIMITS);
      const e = se.entry;
      const idHex = toHex(this.c.sha256(entry));
      if (!this.verifier.seenBefore(idHex)) {
        if (!this.verifier.checkSigned(e.author, se.toBeSigned, se.signature, e.ts, e.topic).ok) return undefined;
        this.verifier.remember(idHex);
      }
      if (body.length !== e.bodyLen || !equalBytes(this.c.sha256(body), e.bodyHash)) return undefined;
      const b = decodeBody(body, DEFAULT_LIMITS);
      return b.kind === e.kind ? { author: toHex(e.author), entry: e, body: b } : undefined;
    } catch (e) {
      if (e instanceof DecodeError) return undefined;
      throw e;
    }
  }
}
