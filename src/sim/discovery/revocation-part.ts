// Scale experiment, part D (target: "a revocation reaches 99% of online nodes within 5 s"): the
// daemon's AgentCore on N nodes over the hub, every node with the core heartbeat (1 s, the profile
// default) and 1% delivery loss.
//
// Nodes follow the topic of their slot (i mod 5); agent 0 announces a capability, so the followers of
// its topic hold its binding and the other four fifths do not (they keep the revocation and enforce it
// if the binding ever arrives). One node in 20 is offline when the revocation is published and comes
// back 10 s later. Agent 0's operator hands the signed revocation to node 1 (POST /revocations), which
// publishes it on the revocation channel (revocation/{agent}, retained) and repeats it in the next two
// heartbeat rounds. Measured from the publication: the time until 50%, 99% and 100% of the nodes online
// throughout have accepted it (event `revoked`: the key is refused from then on), in ms; whether the
// late joiners got it from the retained copy; then agent 0 announces again and we count the followers
// of its topic that refused the entry or its frontier with `revoked` (and any that stored it: must be
// none); the
// publications and the bytes of the revocation channel.

import { toHex } from '../../core/base/bytes.js';
import { decodeBinding } from '../../core/codec/binding.js';
import { encodeRevocation, revocationToBeSigned, type Revocation } from '../../core/codec/attest.js';
import { DEFAULT_LIMITS } from '../../core/codec/limits.js';
import type { CryptoPort } from '../../core/base/ports.js';
import { MemoryStore } from '../../core/log/memory-store.js';
import { NodeProc } from '../net/node-proc.js';
import { SIM_EPOCH, simIdentity } from '../net/identities.js';
import { sharedBindingDecoder } from '../net/intern.js';
import { World } from '../net/world.js';
import { TOPICS, capabilityOf } from './workload.js';

export interface RevocationPartResult {
  readonly nodes: number;
  readonly heartbeatMs: number;
  readonly lossP: number;
  /** Nodes online throughout (the revoked agent and the late joiners excluded) and how many accepted it. */
  readonly online: number;
  readonly reached: number;
  /** Of those, how many held the agent's binding when it arrived (the rest keep it for later). */
  readonly knewBinding: number;
  /** ms from the publication until the share of online nodes had accepted the revocation. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly allMs: number | null;
  /** Nodes offline at the publication that had it within 5 s of coming back (from the retained copy). */
  readonly lateJoiners: number;
  readonly lateReached: number;
  /** Late joiners that had it by the end of the run (15 s after coming back). */
  readonly lateReachedByEnd: number;
  /**
   * The revoked agent's next entry: followers of its topic that refused it (its header, or the frontier
   * announcing it when the header was lost) with `revoked`, and followers that stored it.
   */
  readonly followers: number;
  readonly refusedRevoked: number;
  readonly storedAfter: number;
  readonly publications: number;
  readonly revocationBytes: number;
}

export function revocationPart(
  crypto: CryptoPort,
  seed: number,
  n: number,
  lossP = 0.01,
  heartbeatMs = 1_000,
  bindingDecoder = sharedBindingDecoder(crypto),
): RevocationPartResult {
  if (n < 3) throw new RangeError('revocationPart: needs at least 3 nodes');
  const s = seed + 3_000_017;
  const world = new World(s, { lossP });
  const stores: MemoryStore[] = [];
  const acceptedAt = new Array<{ t: number; known: boolean } | undefined>(n).fill(undefined);
  const refused = new Set<number>();
  const procs: NodeProc[] = [];
  const ids = Array.from({ length: n }, (_, i) => simIdentity(crypto, s, i));
  const target = ids[0]!;
  const targetHex = toHex(target.agentKey);
  for (let i = 0; i < n; i++) {
    stores.push(new MemoryStore());
    const topic = TOPICS[i % TOPICS.length]!;
    world.addNode((io) => {
      const p = new NodeProc(
        io,
        {
          crypto,
          store: stores[i]!,
          agentSecret: ids[i]!.agentSecret,
          binding: ids[i]!.binding,
          heartbeatMs,
          bindingDecoder,
        },
        {
          onStart: (c) => c.follow(topic),
          onEvent: (e, now) => {
            if (e.type === 'revoked' && e.agent === targetHex && acceptedAt[i] === undefined)
              acceptedAt[i] = { t: now, known: e.known };
            if (e.type === 'rejected' && e.reason === 'revoked' && (e.channel === 'header' || e.channel === 'frontier'))
              refused.add(i);
          },
        },
      );
      procs[i] = p;
      return p;
    });
  }
  // one node in 20 (never 0 or 1) is offline when the revocation goes out
  const late = Array.from({ length: n }, (_, i) => i).filter((i) => i > 1 && i % 20 === 7);
  for (let i = 0; i < n; i++) world.join(i);
  world.run(5_000);
  const cap = capabilityOf(0);
  world.act(0, (p) => (p as NodeProc).act(world.now, (c, now) => c.announce(now, { kind: 'capability', ...cap })));
  world.run(9_000);
  for (const i of late) world.leave(i);
  world.run(10_000);
  const tPub = world.now;
  const b = decodeBinding(target.binding, DEFAULT_LIMITS).binding;
  const r: Revocation = {
    operatorKey: b.operatorKey,
    baid: b.baid,
    agentKey: b.agentKey,
    reason: 'key leaked',
    ts: SIM_EPOCH + tPub,
  };
  const bytes = encodeRevocation(r, crypto.signer.sign(target.operatorSecret, revocationToBeSigned(r)));
  world.act(1, (p) => (p as NodeProc).act(world.now, (c, now) => c.revocations.publish(now, bytes)));
  world.run(20_000);
  for (const i of late) world.join(i);
  world.run(25_000);
  // the revoked agent announces again: the followers of its topic must refuse the entry
  world.act(0, (p) =>
    (p as NodeProc).act(world.now, (c, now) =>
      c.announce(now, { kind: 'capability', ...cap, text: `${cap.text} (after revocation)` }),
    ),
  );
  world.run(35_000);

  const lateSet = new Set(late);
  const times: number[] = [];
  let online = 0;
  let knew = 0;
  for (let i = 1; i < n; i++) {
    if (lateSet.has(i) || !world.online(i)) continue;
    online++;
    const a = acceptedAt[i];
    if (a === undefined) continue;
    times.push(a.t - tPub);
    if (a.known) knew++;
  }
  times.sort((x, y) => x - y);
  const at = (share: number): number | null => {
    const k = Math.ceil(share * online);
    return times.length < k ? null : times[k - 1]!;
  };
  let followers = 0;
  let storedAfter = 0;
  for (let i = 1; i < n; i++) {
    if (i % TOPICS.length !== 0 || !world.online(i)) continue;
    followers++;
    if ((stores[i]!.head(target.agentKey, cap.topic)?.seq ?? 0) > 1) storedAfter++;
  }
  let publications = 0;
  for (let i = 0; i < n; i++) publications += procs[i]!.core.status().revocations.published;
  return {
    nodes: n,
    heartbeatMs,
    lossP,
    online,
    reached: times.length,
    knewBinding: knew,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    allMs: at(1),
    lateJoiners: late.length,
    lateReached: late.filter((i) => acceptedAt[i] !== undefined && acceptedAt[i]!.t <= 20_000 + 5_000).length,
    lateReachedByEnd: late.filter((i) => acceptedAt[i] !== undefined).length,
    followers,
    refusedRevoked: [...refused].filter((i) => i % TOPICS.length === 0 && i !== 0).length,
    storedAfter,
    publications,
    revocationBytes: world.bytesByCategory.get('revocation') ?? 0,
  };
}
