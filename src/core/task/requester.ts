// The requester's side of the task protocol (transitions: protocol.ts TRANSITIONS.requester).
//
//   post ─> open ──bidDeadline──> awarded ──delivery──> fetching ──artefact──> delivered ──rateFor──> rated ──cosign──> settled
//            │ (invites, bids)      │ deliverBy           │ settleBy                │ settleBy            │ settleBy
//            └─> expired (no bid)   └─> defaulted         └─> defaulted             └─> unsigned          └─> unsigned

import { compareText, concatBytes, fromHex, toHex, utf8 } from '../base/bytes.js';
import { decodeReceipt, encodeReceipt, receiptBody, receiptToBeSigned } from '../codec/receipt.js';
import { checkReceipt } from '../identity/receipt.js';
import { DEFAULT_POLICY_CONFIG, requiredTier as policyTier } from '../identity/policy.js';
import { signMechanism } from '../market/signed.js';
import { DecodeError } from '../base/errors.js';
import { FieldError } from '../codec/schema.js';
import { recordAcceptance, amountFor, checkMsgSignature } from './checks.js';
import { encodeTaskMsg, encodeTerms, type TaskMsg } from '../codec/task.js';
import { acceptToJson } from '../codec/accept.js';
import { proveBadDelivery } from '../identity/bad-delivery.js';
import { complaintBody, complaintOf, complaintToBeSigned, encodeComplaint } from './complaint.js';
import { TaskConflictError, TaskEngineBase, view, type TaskView } from './engine.js';
import { badWorkNote, openPostings, depositPostings, settlement, slashed } from './ledger.js';
import type { Input } from './protocol.js';
import { receiptOfRecord, type TaskRecord } from './store.js';

import { checkTaskSpec, type TaskSpec } from './spec.js';

export type { TaskSpec } from './spec.js';

export abstract class RequesterEngine extends TaskEngineBase {
  /** Announces a task (an intent in our topic log), escrows its budget and invites matching agents. */
  post(now: number, s: TaskSpec): TaskView {
    checkTaskSpec(s);
    if (this.balanceOf(this.agentHex) < s.budget)
      throw new TaskConflictError(`post: budget ${s.budget} exceeds our balance ${this.balanceOf(this.agentHex)}`);
    const tier = Math.max(
      s.requiredTier ?? 0,
      s.mechanism.requiredTier,
      policyTier(DEFAULT_POLICY_CONFIG, 'bid', Math.floor(s.budget / 1000)),
    );
    if (tier > 4) throw new FieldError('requiredTier', 'must be an integer 0..4');
    const signed = signMechanism(this.o.crypto.signer, this.o.agentSecret, s.mechanism);
    const bidDeadline = now + s.bidWindowMs;
    const deliverBy = bidDeadline + s.deliverWindowMs;
    const settleBy = deliverBy + s.settleWindowMs;
    const a = this.o.host.announce(now, {
      kind: 'intent',
      topic: s.topic,
      tags: s.tags,
      text: s.text,
      price: s.budget,
      deadline: bidDeadline,
      requiredTier: tier,
      constraints: encodeTerms({ mechanism: signed, deliverBy, settleBy, ...(s.accept ? { accept: s.accept } : {}) }),
      ttlMs: settleBy - now,
      // Each task is a declaration of its own (identity: topic, kind, key), not a replacement of the last.
      key: `task.${toHex(this.o.crypto.sha256(concatBytes(utf8(`${now}\n${s.text}\n`), signed))).slice(0, 16)}`,
    });
    const r: TaskRecord = {
      id: a.id,
      role: 'requester',
      state: 'open',
      requester: this.agentHex,
      topic: s.topic,
      tags: [...s.tags],
      text: s.text,
      budget: s.budget,
      requiredTier: tier,
      bidDeadline,
      deliverBy,
      settleBy,
      mechanism: toHex(signed),
      deposit: s.mechanism.deposit,
      entry: toHex(a.entry),
      body: toHex(a.body),
      ...(s.accept ? { accept: acceptToJson(s.accept) } : {}),
      createdAt: now,
      bids: [],
      attempts: 0,
      nextRetry: now + this.retryMs,
    };
    this.book(r.id, openPostings(r.id, this.agentHex, r.budget, now), now);
    this.save(r);
    this.emit({ type: 'task', id: r.id, role: 'requester', state: 'open', topic: r.topic });
    this.invite(now, r);
    return view(r);
  }

  /** The requester's rating (0..1000) of a fetched artefact: signs its half of the receipt and sends it. */
  rateFor(now: number, id: string, outcome: number): TaskView {
    const r = this.record(id);
    if (r.role !== 'requester' || !this.can(r, 'rateFor'))
      throw new TaskConflictError(`rate: task ${id} is ${r.role} ${r.state}, not a delivered task of ours`);
    if (!Number.isInteger(outcome) || outcome < 0 || outcome > 1000)
      throw new RangeError('rate: outcome must be an integer 0..1000');
    const amount = amountFor(this.mechanismOf(r), r.price!, outcome);
    r.outcome = outcome;
    r.amount = amount;
    r.rateTs = now;
    r.requesterSig = toHex(
      this.o.crypto.signer.sign(this.o.agentSecret, receiptToBeSigned(receiptOfRecord(r), this.agentKey)),
    );
    this.move(r, 'rateFor', 'rated', now);
    this.sendRate(r);
    return view(r);
  }

  /** The requester withdraws an open task before its bid deadline: the budget goes back, no award is signed. */
  cancel(now: number, id: string): TaskView {
    const r = this.record(id);
    if (r.role !== 'requester' || !this.can(r, 'cancel'))
      throw new TaskConflictError(`cancel: task ${id} is ${r.role} ${r.state}, not an open task of ours`);
    this.book(r.id, settlement(r.id, r.requester, r.budget, { kind: 'canceled' }, now), now);
    this.move(r, 'cancel', 'canceled', now, 'canceled by the requester');
    return view(r);
  }

  protected requesterMessage(now: number, r: TaskRecord, m: TaskMsg, tbs: Uint8Array, sig: Uint8Array): void {
    const from = toHex(m.signer);
    if (m.type === 'bid') return this.onBid(now, r, m, tbs, sig);
    if (from !== r.worker)
      return this.reject('not_party', `${m.type} from an agent that is not the awarded worker`, r.id, from);
    const s = checkMsgSignature(this.o.verifier, m, tbs, sig);
    if (!s.ok) return this.reject(s.reason, s.detail, r.id, from);
    switch (m.type) {
      case 'delivery':
        if (r.state !== 'awarded') return; // a re-sent delivery: we have it
        if (m.length > this.o.limits.bodyBytes)
          return this.reject('bad_delivery', 'artefact larger than a body', r.id, from);
        r.deliveryHash = toHex(m.hash);
        r.deliveryLen = m.length;
        r.delivery = toHex(encodeTaskMsg(m, sig)); // the worker's signed word that it took part (complaints)
        this.move(r, 'delivery', 'fetching', now);
        return this.sendFetch(r, now);
      case 'artefact': {
        if (m.artefact.length !== r.deliveryLen || toHex(this.o.crypto.sha256(m.artefact)) !== r.deliveryHash)
          return this.reject('bad_delivery', 'artefact does not match the delivered hash', r.id, from);
        r.artefact = toHex(m.artefact);
        const failed = this.checkArtefact(r, m.artefact);
        this.move(r, 'artefact', 'delivered', now);
        // An artefact that fails the task's acceptance check is rated 0 at once (the rater is not asked) and
        // proven bad to every node; otherwise the rater decides.
        const outcome = failed ? 0 : this.o.policy?.rate?.(view(r), m.artefact, now);
        if (outcome !== undefined) this.rateFor(now, r.id, outcome);
        return;
      }
      case 'cosign':
        return this.onCosign(now, r, m.sig);
      default:
        return this.reject('unexpected', `${m.type} to a requester`, r.id, from);
    }
  }

  protected requesterTimer(now: number, r: TaskRecord, input: Input): void {
    switch (input) {
      case 'retry':
        this.backoff(r, now);
        if (r.state === 'open') return this.invite(now, r);
        if (r.state === 'awarded') return this.sendAward(r);
        if (r.state === 'fetching') return this.sendFetch(r, now);
        if (r.state === 'rated') return this.sendRate(r);
        return;
      case 'bidDeadline':
        return this.award(now, r);
      case 'deliverBy':
      case 'settleBy': {
        const withheld = r.state === 'awarded' || r.state === 'fetching';
        const slashBp = this.mechanismOf(r).slashing.no_delivery ?? 0;
        this.book(
          r.id,
          settlement(
            r.id,
            r.requester,
            r.budget,
            withheld
              ? { kind: 'defaulted', worker: r.worker!, deposit: r.deposit, slashBp }
              : { kind: 'unsigned', worker: r.worker!, deposit: r.deposit, ...this.badWorkOf(r) },
            now,
          ),
          now,
        );
        // A delivered hash whose artefact never came (outcome 0), or our rating the worker would not co-sign:
        // a signed complaint in the task's topic log, which trust takes as a rating (complaint.ts).
        const outcome = r.state === 'fetching' ? 0 : r.state === 'rated' ? r.outcome : undefined;
        if (outcome !== undefined && r.delivery) this.complain(now, r, outcome);
        return this.move(
          r,
          input,
          withheld ? 'defaulted' : 'unsigned',
          now,
          withheld
            ? `delivery withheld: ${slashed(r.deposit, slashBp)} of the deposit burned`
            : `no co-signed receipt by settleBy${badWorkNote(r.deposit, this.badWorkOf(r))}`,
        );
      }
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- steps

  /**
   * Runs the task's acceptance check on a fetched artefact and records the verdict; a failure is published as a
   * bad-delivery proof (identity/bad-delivery.ts) when announce body and artefact fit one message. Returns whether
   * the artefact failed.
   */
  private checkArtefact(r: TaskRecord, artefact: Uint8Array): boolean {
    if (!recordAcceptance(this.o.crypto, r, artefact)) return false;
    const parts = { announce: fromHex(r.entry), body: fromHex(r.body), delivery: fromHex(r.delivery!), artefact };
    const proof = proveBadDelivery(this.o.crypto, this.o.limits, parts);
    if (proof) this.o.host.badDelivery?.(r.worker!, proof);
    return true;
  }

  private onBid(now: number, r: TaskRecord, m: TaskMsg & { type: 'bid' }, tbs: Uint8Array, sig: Uint8Array): void {
    const from = toHex(m.signer);
    if (from === this.agentHex) return this.reject('not_party', 'a bid on our own task', r.id, from);
    if (now > r.bidDeadline || m.ts > r.bidDeadline)
      return this.reject('late_bid', `bid ${Math.max(now, m.ts) - r.bidDeadline} ms after the deadline`, r.id, from);
    const b = this.acceptCarried(m.signer, m.binding, now);
    if (!b.ok) return this.reject(b.reason, b.detail, r.id, from);
    const s = checkMsgSignature(this.o.verifier, m, tbs, sig);
    if (!s.ok) return this.reject(s.reason, s.detail, r.id, from);
    const tier = this.o.verifier.tierOf(from, now);
    if (tier < r.requiredTier)
      return this.reject('wrong_tier', `bidder verified to T${tier}, task needs T${r.requiredTier}`, r.id, from);
    if (m.price > r.budget) return this.reject('over_budget', `bid ${m.price} > budget ${r.budget}`, r.id, from);
    // A bidder's latest bid (by its signed time) replaces its earlier one: a revision (protocol.ts). A re-sent
    // bid changes nothing, and an older one arriving late (another path) does not undo a revision.
    const same = r.bids.find((x) => x.agent === from);
    if (same && (same.price === m.price || m.ts < (same.sent ?? 0))) return;
    r.bids = [...r.bids.filter((x) => x.agent !== from), { agent: from, price: m.price, ts: now, sent: m.ts }];
    this.move(r, 'bid', 'open', now);
  }

  /** At the bid deadline: the mechanism's allocation over bids still valid now (one worker per task). */
  private award(now: number, r: TaskRecord): void {
    const mech = this.mechanismOf(r);
    const score = (a: string) => (mech.alloc.rule === 'reputation' && this.o.score ? this.o.score(a, r.topic) : 0);
    const valid = r.bids.filter(
      (b) => this.o.verifier.tierOf(b.agent, now) >= r.requiredTier && this.balanceOf(b.agent) >= r.deposit,
    );
    valid.sort(
      (a, b) => score(b.agent) - score(a.agent) || a.price - b.price || a.ts - b.ts || compareText(a.agent, b.agent),
    );
    const chosen =
      mech.alloc.rule === 'reputation' && this.o.choose && valid.length
        ? this.o.choose(
            view(r),
            valid.map((b) => b.agent),
            now,
          )
        : valid[0]?.agent;
    const win = valid.find((b) => b.agent === chosen);
    if (!win) {
      this.book(r.id, settlement(r.id, r.requester, r.budget, { kind: 'expired' }, now), now);
      return this.move(
        r,
        'bidDeadline',
        'expired',
        now,
        r.bids.length ? 'no bid still valid at the deadline' : 'no bids',
      );
    }
    r.worker = win.agent;
    r.price = win.price;
    // Signed once and kept: a re-send is byte-identical, so the worker can tell it from a second award.
    r.award = toHex(
      this.signed({
        type: 'award',
        task: fromHex(r.id),
        signer: this.agentKey,
        ts: now,
        worker: fromHex(win.agent),
        price: win.price,
      }),
    );
    this.book(r.id, depositPostings(r.id, win.agent, r.deposit, now), now);
    this.move(r, 'bidDeadline', 'awarded', now, `awarded to ${win.agent.slice(0, 12)} at ${win.price}`);
    this.sendAward(r);
  }

  private onCosign(now: number, r: TaskRecord, workerSig: Uint8Array): void {
    if (r.state === 'settled') return; // a re-sent co-signature
    const rc = receiptOfRecord(r);
    let bytes: Uint8Array;
    try {
      bytes = encodeReceipt(rc, fromHex(r.requesterSig!), workerSig);
      const c = checkReceipt(this.o.verifier, decodeReceipt(bytes));
      if (!c.ok)
        return this.reject(
          c.reason === 'bad_signature' ? 'bad_signature' : 'binding_invalid',
          `receipt: ${c.detail}`,
          r.id,
          r.worker,
        );
    } catch (e) {
      if (e instanceof DecodeError) return this.reject('malformed', e.message, r.id, r.worker);
      throw e;
    }
    r.workerSig = toHex(workerSig);
    r.receipt = toHex(bytes);
    const a = this.o.host.announce(now, { ...receiptBody(bytes, r.topic), topic: r.topic });
    this.book(
      r.id,
      settlement(
        r.id,
        r.requester,
        r.budget,
        { kind: 'settled', worker: r.worker!, amount: r.amount!, deposit: r.deposit, ...this.badWorkOf(r) },
        now,
      ),
      now,
    );
    this.move(
      r,
      'cosign',
      'settled',
      now,
      `paid ${r.amount} for outcome ${r.outcome}${badWorkNote(r.deposit, this.badWorkOf(r))}`,
    );
    this.emit({ type: 'receipt', task: r.id, receipt: r.receipt, entry: a.id });
  }

  private complain(now: number, r: TaskRecord, outcome: number): void {
    const c = complaintOf(r, this.agentKey, outcome, now);
    const bytes = encodeComplaint(c, this.o.crypto.signer.sign(this.o.agentSecret, complaintToBeSigned(c)));
    this.o.host.announce(now, { ...complaintBody(bytes), topic: r.topic });
  }

  // ---------------------------------------------------------------- messages

  private invite(now: number, r: TaskRecord): void {
    if (now > r.bidDeadline) return;
    const bidders = new Set(r.bids.map((b) => b.agent));
    for (const c of this.o.host.candidates(r.topic, r.tags, r.requiredTier, now)) {
      if (c === this.agentHex || bidders.has(c)) continue;
      this.send(c, {
        type: 'invite',
        task: fromHex(r.id),
        signer: this.agentKey,
        ts: now,
        entry: fromHex(r.entry),
        body: fromHex(r.body),
        binding: this.o.binding,
      });
    }
  }

  private sendAward(r: TaskRecord): void {
    this.o.host.sendTask(r.worker!, fromHex(r.award!));
  }

  private sendFetch(r: TaskRecord, now: number): void {
    this.send(r.worker!, {
      type: 'fetch',
      task: fromHex(r.id),
      signer: this.agentKey,
      ts: now,
      hash: fromHex(r.deliveryHash!),
    });
  }

  private sendRate(r: TaskRecord): void {
    this.send(r.worker!, {
      type: 'rate',
      task: fromHex(r.id),
      signer: this.agentKey,
      ts: r.rateTs!,
      outcome: r.outcome!,
      amount: r.amount!,
      sig: fromHex(r.requesterSig!),
    });
  }
}
