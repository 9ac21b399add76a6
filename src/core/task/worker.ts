// The worker's side of the task protocol (transitions: protocol.ts TRANSITIONS.worker); TaskEngine
// (task-engine.ts) sends each input of a task we work on here.
//
//   invite ─> invited ──bidFor──> bidding ──award──> awarded ──deliver──> delivering ──rate──> settled (co-signed)
//               │ bidDeadline       │ deliverBy        │ deliverBy          │ settleBy
//               └─> lost            └─> lost           ├─> defaulted        ├─> unrated
//                                                      └─> disputed <───────┘  (a second award naming another worker)

import { acceptToJson } from '../codec/accept.js';
import { equalBytes, fromHex, toHex } from '../base/bytes.js';
import { encodeReceipt, receiptToBeSigned, type Receipt } from '../codec/receipt.js';
import { recordAcceptance, amountFor, checkAnnounce, checkMsgSignature } from './checks.js';
import { encodeTaskMsg, type TaskMsg } from '../codec/task.js';
import { TaskConflictError, view, type TaskView } from './engine.js';
import { badWorkNote, depositPostings, openPostings, settlement } from './ledger.js';
import { allowed, type Input } from './protocol.js';
import { checkDisputeProof, encodeDisputeProof } from '../identity/dispute.js';
import { RequesterEngine } from './requester.js';
import type { TaskRecord } from './store.js';

/** The worker's transitions on top of the requester's; TaskEngine (task-engine.ts) dispatches between them. */
export abstract class WorkerEngine extends RequesterEngine {
  /**
   * Our bid (milli-credits) on a task we were invited to, or a revision of it while the bid window is open
   * (protocol.ts): the requester keeps each bidder's latest bid, and every price we signed stays one it may
   * award at (a revision may reach it after the deadline, when it awards the earlier one).
   */
  bidFor(now: number, id: string, price: number): TaskView {
    const r = this.record(id);
    if (r.role !== 'worker' || !this.can(r, 'bidFor'))
      throw new TaskConflictError(
        `bid: task ${id} is ${r.role} ${r.state}, not an invitation whose bid window is open`,
      );
    if (!Number.isSafeInteger(price) || price < 0 || price > r.budget)
      throw new RangeError(`bid: price must be an integer 0..${r.budget} (the budget)`);
    if (now > r.bidDeadline) throw new TaskConflictError('bid: the bid window has closed');
    if (this.balanceOf(this.agentHex) < r.deposit)
      throw new TaskConflictError(`bid: the deposit ${r.deposit} exceeds our balance ${this.balanceOf(this.agentHex)}`);
    r.myBid = price;
    r.myBids = [...new Set([...(r.myBids ?? []), price])];
    this.move(r, 'bidFor', 'bidding', now);
    this.sendBid(r, now);
    return view(r);
  }

  /** Delivers an awarded task: the artefact becomes a retained body and its hash goes to the requester. */
  deliver(now: number, id: string, artefact: Uint8Array): TaskView {
    const r = this.record(id);
    if (r.role !== 'worker' || !this.can(r, 'deliver'))
      throw new TaskConflictError(`deliver: task ${id} is ${r.role} ${r.state}, not awarded to us`);
    if (artefact.length > this.o.limits.bodyBytes)
      throw new RangeError(`deliver: artefact larger than ${this.o.limits.bodyBytes} bytes`);
    const hash = this.o.crypto.sha256(artefact);
    this.o.host.publishBody(hash, artefact, r.settleBy);
    r.artefact = toHex(artefact);
    r.deliveryHash = toHex(hash);
    r.deliveryLen = artefact.length;
    // The requester runs the same check on the same bytes; a failure burns slash.bad_work on both ledgers.
    recordAcceptance(this.o.crypto, r, artefact);
    this.move(r, 'deliver', 'delivering', now);
    this.sendDelivery(r, now);
    return view(r);
  }

  // ---------------------------------------------------------------- inputs of a task we work on

  protected workerMessage(now: number, r: TaskRecord, m: TaskMsg, tbs: Uint8Array, sig: Uint8Array): void {
    const from = toHex(m.signer);
    if (from !== r.requester)
      return this.reject('not_party', `${m.type} from an agent that is not the requester`, r.id, from);
    if (m.type === 'invite') return; // a re-sent invitation
    const s = checkMsgSignature(this.o.verifier, m, tbs, sig);
    if (!s.ok) return this.reject(s.reason, s.detail, r.id, from);
    switch (m.type) {
      case 'award':
        return this.onAward(now, r, m, sig);
      case 'fetch':
        if (toHex(m.hash) !== r.deliveryHash)
          return this.reject('bad_delivery', 'fetch of a hash we did not deliver', r.id, from);
        // The artefact (up to a body) answers a ~200-byte fetch: a fetch copied off the wire and sent again
        // must not make us send it again (docs/spec/tasks.md). The requester's retries carry a later ts.
        if (r.fetchTs !== undefined && m.ts <= r.fetchTs)
          return this.reject('replayed', `fetch at ts ${m.ts}, not after ${r.fetchTs}, answered before`, r.id, from);
        r.fetchTs = m.ts;
        this.save(r);
        return this.send(r.requester, {
          type: 'artefact',
          task: fromHex(r.id),
          signer: this.agentKey,
          ts: now,
          artefact: fromHex(r.artefact!),
        });
      case 'rate':
        return this.onRate(now, r, m);
      default:
        return this.reject('unexpected', `${m.type} to a worker`, r.id, from);
    }
  }

  protected workerTimer(now: number, r: TaskRecord, input: Input): void {
    switch (input) {
      case 'retry':
        if (r.state === 'bidding') {
          if (now > r.bidDeadline) {
            r.nextRetry = undefined; // bids are closed; wait for an award until deliverBy
            return this.save(r);
          }
          this.backoff(r, now);
          return this.sendBid(r, now);
        }
        this.backoff(r, now);
        if (r.state === 'delivering') return this.sendDelivery(r, now);
        return;
      case 'bidDeadline':
        return this.move(r, input, 'lost', now, 'did not bid');
      case 'deliverBy':
        if (r.state === 'bidding') return this.move(r, input, 'lost', now, 'no award');
        {
          // Awarded and not delivered: the mechanism's slashing applies to us as the requester applies it.
          const slashBp = this.mechanismOf(r).slashing.no_delivery ?? 0;
          this.book(
            r.id,
            settlement(
              r.id,
              r.requester,
              r.budget,
              { kind: 'defaulted', worker: this.agentHex, deposit: r.deposit, slashBp },
              now,
            ),
            now,
          );
          return this.move(r, input, 'defaulted', now, 'not delivered by deliverBy');
        }
      case 'settleBy':
        this.book(
          r.id,
          settlement(
            r.id,
            r.requester,
            r.budget,
            { kind: 'unsigned', worker: this.agentHex, deposit: r.deposit, ...this.badWorkOf(r) },
            now,
          ),
          now,
        );
        return this.move(r, input, 'unrated', now, `no rating by settleBy${badWorkNote(r.deposit, this.badWorkOf(r))}`);
    }
  }

  protected override onNewInvite(now: number, m: TaskMsg, tbs: Uint8Array, sig: Uint8Array): void {
    if (m.type !== 'invite') return;
    const from = toHex(m.signer);
    if (from === this.agentHex) return this.reject('not_party', 'an invitation to our own task', toHex(m.task), from);
    if (this.openCount() >= this.maxOpen) return this.reject('full', `${this.maxOpen} tasks open`, toHex(m.task), from);
    const b = this.acceptCarried(m.signer, m.binding, now);
    if (!b.ok) return this.reject(b.reason, b.detail, toHex(m.task), from);
    const s = checkMsgSignature(this.o.verifier, m, tbs, sig);
    if (!s.ok) return this.reject(s.reason, s.detail, toHex(m.task), from);
    const a = checkAnnounce(this.o.crypto, this.o.verifier, this.o.limits, m);
    if (!a.ok) return this.reject(a.reason, a.detail, toHex(m.task), from);
    const { body, terms } = a.value;
    if (now > body.deadline!) return this.reject('late_bid', 'invitation after the bid deadline', a.value.id, from);
    const r: TaskRecord = {
      id: a.value.id,
      role: 'worker',
      state: 'invited',
      requester: from,
      topic: a.value.topic,
      tags: [...body.tags],
      text: body.text,
      budget: body.price!,
      requiredTier: body.requiredTier!,
      bidDeadline: body.deadline!,
      deliverBy: terms.deliverBy,
      settleBy: terms.settleBy,
      mechanism: toHex(terms.mechanism),
      ...(terms.accept ? { accept: acceptToJson(terms.accept) } : {}),
      deposit: a.value.mechanism.deposit,
      entry: toHex(m.entry),
      body: toHex(m.body),
      createdAt: now,
      bids: [],
      attempts: 0,
    };
    this.save(r);
    this.emit({ type: 'task', id: r.id, role: 'worker', state: 'invited', topic: r.topic });
    const price = this.o.policy?.bid?.(view(r), now);
    if (price !== undefined) this.bidFor(now, r.id, Math.min(price, r.budget));
  }

  // ---------------------------------------------------------------- steps

  private onAward(now: number, r: TaskRecord, m: TaskMsg & { type: 'award' }, sig: Uint8Array): void {
    const signedAward = encodeTaskMsg(m, sig); // canonical: the bytes that were verified
    if (r.award !== undefined) {
      if (equalBytes(fromHex(r.award), signedAward)) return; // a re-sent award
      r.evidence = [...(r.evidence ?? []), toHex(signedAward)];
      this.save(r);
      this.reject('double_award', 'a second, different award for this task (kept as evidence)', r.id, r.requester);
      return this.dispute(now, r, signedAward);
    }
    if (!equalBytes(m.worker, this.agentKey))
      return this.reject('not_party', 'award names another worker', r.id, r.requester);
    if (!(r.myBids ?? [r.myBid]).includes(m.price))
      return this.reject(
        'bad_terms',
        `award at ${m.price}, we bid ${(r.myBids ?? [r.myBid]).join(', ')}`,
        r.id,
        r.requester,
      );
    const tier = this.o.verifier.tierOf(r.requester, now);
    if (tier < this.awardTier)
      return this.reject(
        'wrong_tier',
        `requester verified to T${tier}, awards need T${this.awardTier}`,
        r.id,
        r.requester,
      );
    if (this.balanceOf(this.agentHex) < r.deposit)
      return this.reject('bad_terms', 'our balance no longer covers the deposit', r.id, r.requester);
    r.worker = this.agentHex;
    r.price = m.price;
    r.award = toHex(signedAward);
    // Our ledger mirrors the requester's: its budget in escrow, then our deposit.
    this.book(
      r.id,
      [...openPostings(r.id, r.requester, r.budget, now), ...depositPostings(r.id, this.agentHex, r.deposit, now)],
      now,
    );
    this.move(r, 'award', 'awarded', now);
    const artefact = this.o.policy?.deliver?.(view(r), now);
    if (artefact !== undefined) this.deliver(now, r.id, artefact);
  }

  /**
   * A second award naming another worker is a dispute proof (dispute.ts): published for every node (trust slashes
   * the requester) and, unless the task is already settled, the task is void here (mechanism dispute clause: a
   * proven dispute is upheld without audit or bond; we stop working and our ledger refunds deposit and budget).
   */
  private dispute(now: number, r: TaskRecord, second: Uint8Array): void {
    const proof = encodeDisputeProof(fromHex(r.entry), fromHex(r.award!), second);
    const c = checkDisputeProof(this.o.crypto, this.o.limits, proof);
    if (!c.ok) return; // e.g. both name us (another price): evidence kept, but no third party could check it
    this.o.host.dispute?.(r.requester, proof);
    if (!allowed(r.role, r.state, 'award')?.includes('disputed')) return; // settled: the escrow is closed
    this.book(
      r.id,
      settlement(r.id, r.requester, r.budget, { kind: 'disputed', worker: this.agentHex, deposit: r.deposit }, now),
      now,
    );
    this.move(
      r,
      'award',
      'disputed',
      now,
      `double award by the requester (proof published): ${c.proof.workers.map((w) => w.slice(0, 12)).join(' vs ')}`,
    );
  }

  private onRate(now: number, r: TaskRecord, m: TaskMsg & { type: 'rate' }): void {
    if (r.state === 'settled') {
      if (m.ts === r.rateTs && m.outcome === r.outcome) this.sendCosign(r, now); // our co-signature was lost
      return;
    }
    const expected = amountFor(this.mechanismOf(r), r.price!, m.outcome);
    if (m.amount !== expected)
      return this.reject('bad_terms', `receipt amount ${m.amount}, the mechanism gives ${expected}`, r.id, r.requester);
    const rc: Receipt = {
      taskId: fromHex(r.id),
      topic: r.topic,
      requester: fromHex(r.requester),
      worker: this.agentKey,
      outcome: m.outcome,
      ts: m.ts,
      deliveryHash: fromHex(r.deliveryHash!),
      amount: m.amount,
    };
    if (!this.o.crypto.verifier.verify(fromHex(r.requester), receiptToBeSigned(rc, fromHex(r.requester)), m.sig))
      return this.reject('bad_signature', "requester's receipt signature does not verify", r.id, r.requester);
    r.outcome = m.outcome;
    r.amount = m.amount;
    r.rateTs = m.ts;
    r.requesterSig = toHex(m.sig);
    const workerSig = this.o.crypto.signer.sign(this.o.agentSecret, receiptToBeSigned(rc, this.agentKey));
    r.workerSig = toHex(workerSig);
    // The co-signed receipt as the requester will publish it: our own trust input, as it is the requester's.
    r.receipt = toHex(encodeReceipt(rc, m.sig, workerSig));
    this.book(
      r.id,
      settlement(
        r.id,
        r.requester,
        r.budget,
        { kind: 'settled', worker: this.agentHex, amount: m.amount, deposit: r.deposit, ...this.badWorkOf(r) },
        now,
      ),
      now,
    );
    this.move(
      r,
      'rate',
      'settled',
      now,
      `paid ${m.amount} for outcome ${m.outcome}${badWorkNote(r.deposit, this.badWorkOf(r))}`,
    );
    this.emit({ type: 'receipt', task: r.id, receipt: r.receipt });
    this.sendCosign(r, now);
  }

  private sendBid(r: TaskRecord, now: number): void {
    this.send(r.requester, {
      type: 'bid',
      task: fromHex(r.id),
      signer: this.agentKey,
      ts: now,
      price: r.myBid!,
      binding: this.o.binding,
    });
  }
  private sendDelivery(r: TaskRecord, now: number): void {
    this.send(r.requester, {
      type: 'delivery',
      task: fromHex(r.id),
      signer: this.agentKey,
      ts: now,
      hash: fromHex(r.deliveryHash!),
      length: r.deliveryLen!,
    });
  }
  private sendCosign(r: TaskRecord, now: number): void {
    this.send(r.requester, {
      type: 'cosign',
      task: fromHex(r.id),
      signer: this.agentKey,
      ts: now,
      sig: fromHex(r.workerSig!),
    });
  }
}
