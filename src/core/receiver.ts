// Receiver: the receiving side of an agent (docs/architecture.md §4-6), sans-I/O. Headers, births, frontiers and direct
// replies that AgentCore.handleMessage has dispatched; it owns what waits (for a binding, for a gap) and
// when each author was last seen. OwnLog (own-log.ts) is the writing side, Finder (finder.ts) the interest side.
//
// Receiving an entry (header), in order (docs/architecture.md §4-6):
//   size -> decode -> T0 (id seen?) -> binding known? (else hold, fetch birth) -> T1 signature
//   -> quarantined author? (refused in every topic) -> epoch accepted? (log/epochs.ts: else hold + fetch
//   the birth, or refuse without a continuation record)
//   -> log rule (append | duplicate | stale | fork: proof + quarantine | broken: ask for the author's
//   entry at our head's position (a fork) | gap: hold + ask the author)
//   -> on append: sketch vs interests -> pull body by hash -> hash/len check -> decode -> match.
//
// A peer's bad message never throws: DecodeError in one message of a batch is `malformed`, the rest go on.

import { toHex } from './base/bytes.js';
import type { SignedEntry } from './codec/entry.js';
import type { Limits } from './codec/limits.js';
import { decodeFrontier, type Direct } from './codec/messages.js';
import type { Counters } from './base/counters.js';
import { DecodeError, decodeReason, type RejectReason } from './base/errors.js';
import type { Finder } from './finder.js';
import type { BirthWatch } from './gossip/birth-watch.js';
import type { DirectLink } from './gossip/direct.js';
import type { FraudDesk } from './gossip/fraud-desk.js';
import type { Liveness } from './gossip/liveness.js';
import { GapRepair } from './gossip/repair.js';
import { AwaitingBinding, type Waiting } from './gossip/awaiting.js';
import type { BatchSignatures } from './identity/batch-signatures.js';
import { checkBirth } from './identity/births.js';
import type { IdentityTiers } from './identity/tiers.js';
import { Epochs } from './log/epochs.js';
import { HeldEntries } from './log/held.js';
import { decideReceive } from './log/rules.js';
import type { LogStore } from './log/store.js';
import { storedOf } from './own-log.js';
import type { CryptoPort } from './base/ports.js';
import type { Channel, CoreEvent } from './types.js';

/** How an entry came: live on its topic's header channel, or in a reply (gap repair, a released hold). */
export type Source = 'push' | 'repair';

export interface ReceiverContext {
  readonly crypto: CryptoPort;
  readonly store: LogStore;
  readonly limits: Limits;
  readonly verifier: IdentityTiers;
  readonly counters: Counters;
  readonly agentHex: string;
  /** Topics we follow: frontiers of other topics are ignored. */
  readonly followed: ReadonlySet<string>;
  /** How far ahead of `now` an entry's ts may be, ms. */
  readonly clockSkewMs: number;
  readonly liveness: Liveness;
  readonly births: BirthWatch;
  readonly direct: DirectLink;
  readonly fraud: FraudDesk;
  readonly finder: Finder;
  event(e: CoreEvent): void;
  reject(reason: RejectReason, channel: Channel, detail: string): void;
}

export class Receiver {
  /** Entries waiting for their author's binding, per author hex. */
  readonly awaiting: AwaitingBinding;
  readonly gaps: GapRepair;
  readonly held: HeldEntries;
  /** Author hex -> `now` of the last message from it that passed verification (peer list). */
  readonly lastSeen = new Map<string, number>();
  private readonly epochs = new Epochs();
  private readonly x: ReceiverContext;

  constructor(
    x: ReceiverContext,
    pullTimeoutMs: number,
    attempts: number,
    heldPerLog: number,
    maxHeld: number,
    heldMaxAgeMs: number,
  ) {
    this.x = x;
    this.held = new HeldEntries(heldPerLog, maxHeld, heldMaxAgeMs);
    this.awaiting = new AwaitingBinding(pullTimeoutMs, attempts, heldPerLog);
    this.gaps = new GapRepair(pullTimeoutMs, attempts);
  }

  /**
   * A decoded entry (a live header, or one of a direct `entries` reply). `sigs`: the signature answers of the
   * received batch it came in (identity/batch-signatures.ts); without them T1 verifies on the spot.
   */
  onEntry(
    now: number,
    se: SignedEntry,
    source: Source,
    channelTopic?: string,
    birthFetched = false,
    sigs?: BatchSignatures,
  ): void {
    const { verifier } = this.x;
    const e = se.entry;
    if (channelTopic !== undefined && channelTopic !== e.topic)
      return this.x.reject('wrong_topic', 'header', `entry for ${e.topic} on ${channelTopic}`);
    const author = toHex(e.author);
    if (verifier.isQuarantined(author))
      return this.x.reject('quarantined', 'header', `${author.slice(0, 12)} forked its log`);
    // A live header past its expiry is refused (it may still arrive through gap repair, which keeps
    // history complete; only live announcements must be current).
    if (source === 'push' && e.expires <= now)
      return this.x.reject('expired', 'header', `expired ${now - e.expires} ms ago`);
    const id = se.id ?? this.x.crypto.sha256(se.bytes);
    const idHex = toHex(id);
    // T0: an id that passed T1 before skips the crypto, not the log rules (so a write lost to a failed
    // store transaction is simply written again when the entry comes back). The batch asked it already.
    if (!(sigs ? sigs.known(se, idHex) : verifier.seenBefore(idHex))) {
      if (!verifier.bindingOf(author))
        return this.awaitBinding(now, author, { channel: 'header', key: channelTopic, se });
      if (e.ts > now + this.x.clockSkewMs) return this.x.reject('future', 'header', `ts ${e.ts - now} ms ahead`);
      const t1 = verifier.checkSigned(
        e.author,
        se.toBeSigned,
        se.signature,
        e.ts,
        e.topic,
        sigs && (() => sigs.valid(se)),
      );
      if (!t1.ok) return this.x.reject(t1.reason, 'header', t1.detail);
      verifier.remember(idHex);
    }
    const ep = this.epochs.decide(author, e.epoch, this.x.store.head(e.author, e.topic)?.epoch, birthFetched);
    if (ep === 'wait') return this.awaitBinding(now, author, { channel: 'header', key: channelTopic, se });
    if (ep === 'refuse')
      return this.x.reject(
        'no_continuation',
        'header',
        `epoch ${e.epoch} of ${author.slice(0, 12)} has no continuation record signed by its operator`,
      );
    this.receiveVerified(now, se, id, source);
  }

  /** `key`: the birth channel's key it came on (n/{key}); undefined when it came another way. */
  onBirth(now: number, bytes: Uint8Array, key?: string): void {
    const { verifier } = this.x;
    const r = checkBirth(this.x.crypto, verifier, bytes, now, this.x.limits, key);
    if (!r.ok) return this.x.reject(r.reason, 'birth', r.detail);
    const { birth, author } = r;
    this.epochs.observeBirth(author, birth.epoch, r.epochOk);
    if (!r.epochOk) this.x.reject('no_continuation', 'birth', r.detail);
    else this.x.liveness.observe(author, birth.epoch, birth.ts, birth.alive);
    if (!birth.alive) return; // a death (the MQTT Will): the binding we hold stays valid for its history
    const kept = verifier.bindingBytesOf(author) ?? birth.binding;
    this.x.store.putBinding(birth.author, r.binding.version, kept, r.binding.baid);
    this.lastSeen.set(author, now);
    for (const w of this.awaiting.release(author))
      this.decoding(w.channel, () =>
        w.channel === 'header'
          ? this.onEntry(now, w.se, w.key === undefined ? 'repair' : 'push', w.key, true)
          : this.onFrontier(now, w.bytes, w.key),
      );
  }

  /**
   * `key`: the frontier channel's key it came on (f/{key}), which must be `{topic}/{author}` of the frontier:
   * one under another agent's or topic's path would replace that log's retained head.
   */
  onFrontier(now: number, bytes: Uint8Array, key?: string): void {
    const { verifier, store } = this.x;
    const { frontier: f, signature, toBeSigned } = decodeFrontier(bytes, this.x.limits);
    const author = toHex(f.author);
    if (key !== undefined && key !== `${f.topic}/${author}`)
      return this.x.reject(
        'wrong_path',
        'frontier',
        `frontier of ${author.slice(0, 12)} in ${f.topic} under f/${key.slice(0, 140)}`,
      );
    if (author === this.x.agentHex) return; // our own head (AgentCore checks what is retained on our paths)
    if (!this.x.followed.has(f.topic))
      return this.x.reject('wrong_topic', 'frontier', `frontier in ${f.topic}, a topic we do not follow`);
    if (verifier.isQuarantined(author))
      return this.x.reject('quarantined', 'frontier', `${author.slice(0, 12)} forked its log`);
    // A head we already have asks nothing of us: no signature check for it (heartbeat repeats are common).
    const head = store.head(f.author, f.topic);
    if (head && (f.epoch < head.epoch || (f.epoch === head.epoch && f.seq <= head.seq))) return;
    if (!verifier.bindingOf(author)) return this.awaitBinding(now, author, { channel: 'frontier', key, bytes });
    const t1 = verifier.checkSigned(f.author, toBeSigned, signature, f.ts, f.topic);
    if (!t1.ok) return this.x.reject(t1.reason, 'frontier', t1.detail);
    this.lastSeen.set(author, now);
    const from = head && head.epoch === f.epoch ? head.seq + 1 : 1;
    this.x.direct.askEntries(now, this.gaps.need(now, f.author, f.topic, f.epoch, from, f.seq));
  }

  /**
   * A decoded direct message; `entries` are the decoded entries of an `entries` reply (codec/parsed.ts), each
   * received as a repair (one that failed to decode is `malformed`, the others go on).
   */
  onDirect(now: number, d: Direct, entries: ReadonlyArray<SignedEntry | DecodeError>, sigs?: BatchSignatures): void {
    const { direct, finder, counters } = this.x;
    if (direct.answer(now, this.x.store, d)) return;
    if (d.type === 'entries') {
      d.entries.forEach((b, i) => {
        counters.add('headerBytesIn', b.length);
        const se = entries[i];
        if (se === undefined || se instanceof DecodeError)
          return this.x.reject(se ? decodeReason(se) : 'malformed', 'direct', se?.message ?? 'entry not decoded');
        this.decoding('direct', () => this.onEntry(now, se, 'repair', undefined, false, sigs));
      });
    } else if (d.type === 'body') {
      const key = toHex(this.x.crypto.sha256(d.body));
      if (!finder.pulls.has(key)) return;
      counters.add('bodyBytesIn', d.body.length);
      finder.onBody(now, key, d.body);
    } else if (d.type === 'task') {
      // handed to the task engine as is (it verifies the signed message itself)
      this.x.event({ type: 'task', from: toHex(d.from), bytes: d.msg });
    }
  }

  private receiveVerified(now: number, se: SignedEntry, id: Uint8Array, source: Source): void {
    const { store, direct } = this.x;
    const e = se.entry;
    this.lastSeen.set(toHex(e.author), now);
    const d = decideReceive(store.head(e.author, e.topic), store.get(e.author, e.topic, e.epoch, e.seq), e, id);
    switch (d.action) {
      case 'duplicate':
        return;
      case 'stale':
        return this.x.reject('stale', 'header', `seq ${e.seq} behind head`);
      case 'broken':
        // The author signed another entry at our head's position (e.prev): ask it for that entry, which
        // then arrives as a fork of our head and becomes a proof.
        direct.askEntries(now, {
          author: e.author,
          topic: e.topic,
          epoch: e.epoch,
          fromSeq: e.seq - 1,
          toSeq: e.seq - 1,
        });
        return this.x.reject('broken_chain', 'header', `seq ${e.seq} does not extend our head`);
      case 'fork':
        this.x.reject('fork', 'header', `two entries at ${e.topic}/${e.epoch}/${e.seq}`);
        return this.x.fraud.detected(now, d.existing.bytes, se.bytes, 'header');
      case 'gap':
        if (!this.held.hold(se, id, now))
          this.x.reject('gap', 'header', `seq ${e.seq} not held: the held-entry bounds are reached`);
        return direct.askEntries(now, this.gaps.need(now, e.author, e.topic, e.epoch, d.fromSeq, d.toSeq));
      case 'append':
        break;
    }
    store.append(storedOf(e, id, se.bytes));
    this.x.event({ type: 'appended', author: toHex(e.author), topic: e.topic, seq: e.seq, own: false });
    this.x.finder.onAppended(now, e, id);
    direct.askEntries(now, this.gaps.appended(now, e.author, e.topic, e.epoch, e.seq, this.held.has(e, e.seq + 1)));
    const next = this.held.take(e, e.seq + 1);
    if (next) this.receiveVerified(now, next.se, next.id, 'repair');
  }

  /** Runs a receive step on one message of a batch: a malformed one is rejected, the rest go on. */
  private decoding(channel: Channel, step: () => void): void {
    try {
      step();
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.x.reject(decodeReason(e), channel, e.message);
    }
  }

  private awaitBinding(now: number, author: string, w: Waiting): void {
    const r = this.awaiting.add(now, author, w);
    if (r === 'full')
      return this.x.reject('unknown_author', w.channel, 'too many messages pending for unknown authors');
    if (r === 'fetch') this.x.births.fetch(now, author);
  }
}
