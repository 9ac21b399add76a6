// Revocations of agent keys by their operators (docs/architecture.md §6, used by tiers.ts at T1 and T2). A revocation
// is a COSE_Sign1 by the operator key (codec/attest.ts). When the agent's binding is known, the operator and baid
// must match it; an unknown agent's revocation is kept (bounded, at most 4 per agent, the oldest agents forgotten
// first) and takes effect if a binding for it with that operator and baid arrives later (one of another operator is
// then dropped). An agent's signatures dated at or after the earliest revocation time are refused.

import { equalBytes, toHex } from '../base/bytes.js';
import { DecodeError, decodeReason, type RejectReason } from '../base/errors.js';
import type { CryptoPort } from '../base/ports.js';
import { decodeRevocation } from '../codec/attest.js';
import type { Binding } from '../codec/binding.js';

type Accepted =
  | { readonly ok: true; readonly agent: string; readonly at: number; readonly fresh: boolean }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string };

export class RevocationList {
  /** agent key hex -> time from which its signatures are refused. */
  private readonly revoked = new Map<string, number>();
  /** Revocations of agents whose binding is not known yet (their operator and baid cannot be checked). */
  private readonly unconfirmed = new Map<
    string,
    Array<{ readonly at: number; readonly operatorKey: Uint8Array; readonly baid: Uint8Array }>
  >();

  constructor(
    private readonly crypto: CryptoPort,
    /** How many agents' unconfirmed revocations are kept. */
    private readonly keep: number,
  ) {}

  /**
   * A signed revocation; `bindingOf` gives the agent's known binding. `at`: the time from which the key is
   * refused; `fresh`: this revocation changed what is enforced (or kept).
   */
  accept(bytes: Uint8Array, bindingOf: (agentHex: string) => Binding | undefined): Accepted {
    let d;
    try {
      d = decodeRevocation(bytes);
    } catch (e) {
      if (e instanceof DecodeError) return { ok: false, reason: decodeReason(e), detail: e.message };
      throw e;
    }
    const r = d.revocation;
    const agent = toHex(r.agentKey);
    const known = bindingOf(agent);
    if (known && (!equalBytes(known.operatorKey, r.operatorKey) || !equalBytes(known.baid, r.baid)))
      return { ok: false, reason: 'binding_invalid', detail: 'revocation by another operator or for another baid' };
    if (!this.crypto.verifier.verify(r.operatorKey, d.toBeSigned, d.signature))
      return { ok: false, reason: 'bad_signature', detail: 'revocation signature does not verify' };
    if (!known) {
      const list = this.unconfirmed.get(agent) ?? [];
      const dup = list.find((u) => equalBytes(u.operatorKey, r.operatorKey) && equalBytes(u.baid, r.baid));
      if (dup && dup.at <= r.ts) return { ok: true, agent, at: dup.at, fresh: false };
      this.unconfirmed.delete(agent); // re-inserted last: the oldest entries are evicted first
      this.unconfirmed.set(
        agent,
        [...list.filter((u) => u !== dup), { at: r.ts, operatorKey: r.operatorKey, baid: r.baid }].slice(-4),
      );
      if (this.unconfirmed.size > this.keep) this.unconfirmed.delete(this.unconfirmed.keys().next().value!);
      return { ok: true, agent, at: r.ts, fresh: true };
    }
    const prev = this.revoked.get(agent);
    const at = Math.min(prev ?? Infinity, r.ts);
    this.revoked.set(agent, at);
    return { ok: true, agent, at, fresh: at !== prev };
  }

  /** A binding arrived: revocations kept for its agent by the same operator and baid take effect. */
  confirm(agent: string, b: Binding): void {
    const list = this.unconfirmed.get(agent);
    if (!list) return;
    this.unconfirmed.delete(agent);
    for (const u of list) {
      if (!equalBytes(u.operatorKey, b.operatorKey) || !equalBytes(u.baid, b.baid)) continue;
      this.revoked.set(agent, Math.min(this.revoked.get(agent) ?? Infinity, u.at));
    }
  }

  isRevoked(agentKeyHex: string, at: number): boolean {
    const t = this.revoked.get(agentKeyHex);
    return t !== undefined && t <= at;
  }

  /** The time from which the agent's signatures are refused, if it is revoked. */
  revokedAt(agentKeyHex: string): number | undefined {
    return this.revoked.get(agentKeyHex);
  }
}
