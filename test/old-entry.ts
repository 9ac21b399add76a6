// What an older agentnet wrote before declarations were checked against the decoders' tables: a signed
// own entry (v1, no key) whose body the decoder refuses (price -5), appended to a stopped node's SQLite
// store exactly as that version appended it.

import { join } from 'node:path';
import { encodeBody } from '../src/core/codec/body.js';
import { encodeEntry, entryToBeSigned, type Entry } from '../src/core/codec/entry.js';
import { makeSketch } from '../src/core/gossip/sketch.js';
import { storedOf } from '../src/core/own-log.js';
import { ensureIdentity } from '../src/runtime/identity.js';
import { SqliteStore } from '../src/runtime/store/sqlite.js';
import { crypto } from './helpers.js';

export function appendUndecodableOwnEntry(dataDir: string, topic: string, tag: string, now = Date.now()): string {
  const id = ensureIdentity(crypto, dataDir, now);
  const agentKey = crypto.signer.publicKey(id.agentSecret);
  const store = new SqliteStore(join(dataDir, 'agentnet.db'));
  try {
    const body = encodeBody({ kind: 'capability', tags: [tag], text: 'signed by an older version', price: -5 });
    const head = store.head(agentKey, topic);
    const e: Entry = {
      author: agentKey,
      topic,
      epoch: head?.epoch ?? 0,
      seq: (head?.seq ?? 0) + 1,
      ...(head ? { prev: head.id } : {}),
      kind: 'capability',
      ts: Math.max(now, head?.ts ?? 0),
      expires: now + 86_400_000,
      bodyHash: crypto.sha256(body),
      bodyLen: body.length,
      sketch: makeSketch(crypto, [tag]),
      tier: 2,
    };
    const bytes = encodeEntry(e, crypto.signer.sign(id.agentSecret, entryToBeSigned(e)));
    const entryId = crypto.sha256(bytes);
    store.transaction(() => {
      store.append(storedOf(e, entryId, bytes));
      store.putBody(e.bodyHash, body, e.expires);
    });
    return Buffer.from(entryId).toString('hex');
  } finally {
    store.close();
  }
}
