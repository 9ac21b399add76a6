// `agentnet inspect`: what agentnet object some bytes are, and whether every signature in it verifies.
//
// The bytes are shown twice: leniently through cbor-x (whatever is there, even when it is not canonical) and, if
// one of our decoders accepts them, as that object. Byte strings (keys, hashes, signatures) are printed as hex.
// Then every signature the object carries is checked with the key it names or embeds, nested objects included
// (a birth's binding and continuation, an invite's entry and binding, a fork proof's two entries, a complaint's
// delivery, a dispute proof's announce and awards, the entries of a direct reply). A signature whose key is not
// in the bytes (a continuation is signed by the operator of a binding it does not carry) is reported as not
// checkable. Exit codes: 0 an agentnet object whose signatures all verify; 1 not an agentnet object, or a
// signature failed (each failure is named); 2 usage error.

import { Decoder } from 'cbor-x';
import { toHex } from '../core/base/bytes.js';
import { decodeCheckpoint, decodeCredential, decodeInclusion, decodeRevocation } from '../core/codec/attest.js';
import { decodeBinding } from '../core/codec/binding.js';
import { decodeBody } from '../core/codec/body.js';
import { decodeCbor } from '../core/codec/cbor.js';
import { decodeEntry } from '../core/codec/entry.js';
import { decodeContinuation, decodeForkProof } from '../core/codec/fork-proof.js';
import { DEFAULT_LIMITS } from '../core/codec/limits.js';
import { decodeBirth, decodeDirect, decodeFrontier } from '../core/codec/messages.js';
import { decodeReceipt } from '../core/codec/receipt.js';
import { DecodeError } from '../core/base/errors.js';
import { computeBaid, configDigest } from '../core/identity/binding.js';
import { equalBytes } from '../core/base/bytes.js';
import type { CryptoPort } from '../core/base/ports.js';
import { decodeComplaint } from '../core/task/complaint.js';
import { decodeTaskMsg } from '../core/codec/task.js';
import { decodeDisputeProof } from '../core/identity/dispute.js';

const L = DEFAULT_LIMITS;

/** One signature (or commitment) of the object: verified (true), failed (false) or not checkable (null). */
export interface SigCheck {
  readonly what: string;
  readonly key?: string;
  readonly ok: boolean | null;
  readonly detail?: string;
}

export interface Inspection {
  /** The agentnet object the bytes decode as, or null. */
  readonly object: string | null;
  readonly lenient: unknown;
  readonly value?: unknown;
  readonly signatures: SigCheck[];
  /** Why each decoder refused the bytes (when object is null), or the canonical-CBOR verdict. */
  readonly reasons: string[];
}

/** Values for printing: byte strings as hex, maps as objects (keys stringified), everything else as is. */
export function printable(v: unknown): unknown {
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), printable(x)]));
  if (Array.isArray(v)) return v.map(printable);
  if (v && typeof v === 'object' && 'tag' in v && 'value' in v)
    return { tag: (v as { tag: unknown }).tag, value: printable((v as { value: unknown }).value) };
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, printable(x)]));
  return v;
}

type Checker = (bytes: Uint8Array, where: string) => SigCheck[];

function one(c: CryptoPort, what: string, key: Uint8Array, msg: Uint8Array, sig: Uint8Array): SigCheck {
  return { what, key: toHex(key), ok: c.verifier.verify(key, msg, sig) };
}

/** Signature checks per object kind; nested objects are checked with their own checker. */
function checkers(c: CryptoPort): (kind: string, b: Uint8Array, where: string) => SigCheck[] {
  /** A nested object's checks; one that does not decode is a failed check named by where it sits. */
  const sub = (kind: string, b: Uint8Array, w: string): SigCheck[] => {
    try {
      return k[kind]!(b, w);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return [{ what: `${w}${kind}`, ok: false, detail: `does not decode (${e.message})` }];
    }
  };
  const k: Record<string, Checker> = {
    entry: (b, w) => {
      const s = decodeEntry(b, L);
      return [one(c, `${w}author signature`, s.entry.author, s.toBeSigned, s.signature)];
    },
    binding: (b, w) => {
      const s = decodeBinding(b, L);
      const x = s.binding;
      const [op, ag] = s.signers;
      return [
        one(c, `${w}operator signature`, op!.kid, op!.toBeSigned, op!.signature),
        one(c, `${w}agent signature`, ag!.kid, ag!.toBeSigned, ag!.signature),
        {
          what: `${w}baid commitment (code, config, operator, salt)`,
          ok:
            equalBytes(configDigest(c, x.config), x.configDigest) &&
            equalBytes(computeBaid(c, x.codeHash, x.configDigest, x.operatorKey, x.salt), x.baid),
        },
      ];
    },
    birth: (b, w) => {
      const s = decodeBirth(b, L);
      const out = [one(c, `${w}author signature`, s.birth.author, s.toBeSigned, s.signature)];
      if (s.birth.alive) {
        out.push(...sub('binding', s.birth.binding, `${w}binding: `));
        if (s.birth.continuation) {
          const r = decodeContinuation(s.birth.continuation);
          const op = decodeBinding(s.birth.binding, L).binding.operatorKey;
          out.push(one(c, `${w}continuation: operator signature`, op, r.toBeSigned, r.signature));
        }
      }
      return out;
    },
    frontier: (b, w) => {
      const s = decodeFrontier(b, L);
      return [one(c, `${w}author signature`, s.frontier.author, s.toBeSigned, s.signature)];
    },
    receipt: (b, w) => {
      const s = decodeReceipt(b);
      return s.signers.map((x, i) =>
        one(c, `${w}${i === 0 ? 'requester' : 'worker'} signature`, x.kid, x.toBeSigned, x.signature),
      );
    },
    revocation: (b, w) => {
      const s = decodeRevocation(b);
      return [one(c, `${w}operator signature`, s.revocation.operatorKey, s.toBeSigned, s.signature)];
    },
    'fork proof': (b, w) => decodeForkProof(b, L).flatMap((e, i) => sub('entry', e, `${w}entry ${i + 1}: `)),
    continuation: (b, w) => {
      decodeContinuation(b);
      return [
        {
          what: `${w}operator signature`,
          ok: null,
          detail: "the operator key is in the agent's binding, not in the record",
        },
      ];
    },
    'task message': (b, w) => {
      const s = decodeTaskMsg(b, L);
      const out = [one(c, `${w}${s.msg.type} signature`, s.msg.signer, s.toBeSigned, s.signature)];
      if (s.msg.type === 'invite')
        out.push(...sub('entry', s.msg.entry, `${w}invite entry: `), ...sub('binding', s.msg.binding, `${w}binding: `));
      if (s.msg.type === 'bid') out.push(...sub('binding', s.msg.binding, `${w}binding: `));
      return out;
    },
    'dispute proof': (b, w) => {
      const d = decodeDisputeProof(b, L);
      return [
        ...sub('entry', d.announce, `${w}announce: `),
        ...d.awards.flatMap((a, i) => sub('task message', a, `${w}award ${i + 1}: `)),
      ];
    },
    complaint: (b, w) => {
      const s = decodeComplaint(b);
      return [
        one(c, `${w}requester signature`, s.complaint.requester, s.toBeSigned, s.signature),
        ...sub('task message', s.complaint.delivery, `${w}delivery: `),
      ];
    },
    checkpoint: (b, w) =>
      decodeCheckpoint(b).signers.map((x, i) =>
        one(c, `${w}registrar signature ${i + 1}`, x.kid, x.toBeSigned, x.signature),
      ),
    credential: (b, w) => {
      const s = decodeCredential(b);
      return [one(c, `${w}issuer signature`, s.credential.issuerKey, s.toBeSigned, s.signature)];
    },
    'inclusion proof': (b) => (decodeInclusion(b), []),
    'direct message': (b, w) => {
      const d = decodeDirect(b, L);
      if (d.type === 'entries') return d.entries.flatMap((e, i) => sub('entry', e, `${w}entry ${i + 1}: `));
      if (d.type === 'task') return sub('task message', d.msg, `${w}task: `);
      return [];
    },
    body: (b) => (decodeBody(b, L), []),
  };
  return sub;
}

/** The decoded value of each kind, for printing (the first decoder that accepts the bytes names the object). */
const DECODERS: ReadonlyArray<readonly [string, (b: Uint8Array) => unknown]> = [
  ['entry', (b) => decodeEntry(b, L).entry],
  ['binding', (b) => decodeBinding(b, L).binding],
  ['birth', (b) => decodeBirth(b, L).birth],
  ['frontier', (b) => decodeFrontier(b, L).frontier],
  ['receipt', (b) => decodeReceipt(b).receipt],
  ['revocation', (b) => decodeRevocation(b).revocation],
  ['fork proof', (b) => decodeForkProof(b, L).map((e) => decodeEntry(e, L).entry)],
  ['continuation', (b) => decodeContinuation(b).continuation],
  ['task message', (b) => decodeTaskMsg(b, L).msg],
  ['dispute proof', (b) => decodeDisputeProof(b, L)],
  ['complaint', (b) => decodeComplaint(b).complaint],
  ['checkpoint', (b) => decodeCheckpoint(b).checkpoint],
  ['credential', (b) => decodeCredential(b).credential],
  ['inclusion proof', (b) => decodeInclusion(b)],
  ['direct message', (b) => decodeDirect(b, L)],
  ['body', (b) => decodeBody(b, L)],
];

export function inspectBytes(c: CryptoPort, bytes: Uint8Array): Inspection {
  let lenient: unknown;
  try {
    lenient = printable(new Decoder({ mapsAsObjects: false, useRecords: false }).decode(bytes));
  } catch (e) {
    lenient = `not CBOR: ${(e as Error).message}`;
  }
  const reasons: string[] = [];
  for (const [name, decode] of DECODERS) {
    let value: unknown;
    try {
      value = decode(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      reasons.push(`${name}: ${e.message}`);
      continue;
    }
    const signatures = checkers(c)(name, bytes, '');
    return { object: name, lenient, value: printable(value), signatures, reasons: [] };
  }
  try {
    decodeCbor(bytes, { maxBytes: L.messageBytes, tags: [18, 98] });
    reasons.unshift('canonical CBOR, but not an agentnet object');
  } catch (e) {
    reasons.unshift(`rejected: ${(e as Error).message}`);
  }
  return { object: null, lenient, signatures: [], reasons };
}
