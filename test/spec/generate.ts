// The generated parts of the wire specification (docs/spec/*.md): each object's field table from the
// codec's own table (src/core/wire-tables.ts), the worked example of the interest sketch, and the test
// vectors from test/fixtures/golden.json. `node scripts/gen-spec.mjs` fills the blocks between
// `<!-- BEGIN generated:NAME -->` and `<!-- END generated:NAME -->`; test/unit/spec-doc.test.ts checks
// the documents against the codec (by parsing their tables) and against this generator.

import { concatBytes, toHex, utf8 } from '../../src/core/base/bytes.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/core/codec/limits.js';
import { describeType, PATTERNS, showNumber, type ObjectSpec } from '../../src/core/codec/schema.js';
import { WIRE_TABLES } from '../../src/core/wire-tables.js';
import { dottedPrefixes, makeSketch } from '../../src/core/gossip/sketch.js';
import { crypto } from '../helpers.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** One object's field table: key, name, type and limits (default values), presence, meaning. */
export function tableMarkdown(spec: ObjectSpec, limits: Limits = DEFAULT_LIMITS): string {
  const rows = spec.fields.map(
    (f) =>
      `| ${f.key} | ${f.name} | ${cell(describeType(f.type, limits))} | ${f.optional ? 'optional' : 'required'} | ${cell(f.doc)} |`,
  );
  return ['| key | name | type and limits | presence | meaning |', '|---:|---|---|---|---|', ...rows].join('\n');
}

/** The size limits a profile may lower (codec/limits.ts), with their defaults. */
export function limitsMarkdown(): string {
  const rows = Object.entries(DEFAULT_LIMITS).map(([k, v]) => `| ${k} | ${showNumber(v as number)} |`);
  return ['| limit | default |', '|---|---:|', ...rows].join('\n');
}

/** The named text patterns (codec/schema.ts PATTERNS). */
export function patternsMarkdown(): string {
  const rows = Object.entries(PATTERNS).map(([k, p]) => `| ${k} | \`${p.re.source}\` | ${p.says} |`);
  return ['| pattern | regular expression | in words |', '|---|---|---|', ...rows].join('\n');
}

const SKETCH_DOMAIN = 'agentnet/sketch/1';

/** The sketch of the golden body's tags, computed step by step. */
export function sketchExample(): string {
  const tags = ['code.review.security', 'code.review.style'];
  const items = [...new Set(tags.flatMap(dottedPrefixes))];
  const lines = [
    `Tags \`${tags.join('`, `')}\`; items (each tag and its dotted prefixes, a repeat changes nothing): ${items
      .map((i) => `\`${i}\``)
      .join(', ')}.`,
    '',
    '| item | first 4 bytes of SHA-256("agentnet/sketch/1" ‖ item) | bit positions |',
    '|---|---|---|',
  ];
  for (const it of items) {
    const d = crypto.sha256(concatBytes(utf8(SKETCH_DOMAIN), utf8(it)));
    lines.push(`| \`${it}\` | \`${toHex(d.slice(0, 4))}\` | ${[...d.slice(0, 4)].join(', ')} |`);
  }
  lines.push('', `Sketch (32 bytes, hex): \`${toHex(makeSketch(crypto, tags))}\``);
  return lines.join('\n');
}

/** Test vectors: each golden fixture with what it is, in hex. */
export function vectorsMarkdown(golden: Readonly<Record<string, string>>): string {
  const what: Record<string, string> = {
    agentKey: "alice's agent public key (seed: SHA-256 of the label, test/helpers.ts)",
    body: 'a capability body (kind 0, two tags, text, skills, price 5)',
    entry1: "alice's first entry (v1, seq 1) announcing `body` in code_review_security",
    entry1Id: 'SHA-256 of entry1 (the whole COSE_Sign1 bytes, tag byte 0xd2 included)',
    entry1ToBeSigned: "entry1's Sig_structure, the bytes alice's signature covers",
    entry2: 'a withdraw at seq 2 (prev = entry1Id)',
    entryKeyed: 'a v2 entry: seq 3, key `code.review.security` (prev = SHA-256 of entry2)',
    binding: "alice's binding (COSE_Sign: operator, then agent)",
    birth: "alice's birth at epoch 0 carrying `binding`",
    frontier: "the frontier of alice's log at seq 2",
    receipt: 'a receipt co-signed by alice (requester) and bob (worker)',
    taskBody: 'a task announce body (intent with price, deadline, requiredTier, constraints = terms)',
    taskBid: "bob's bid (task message type 2)",
    taskAward: "alice's award to bob (task message type 3)",
    directTask: 'a direct message of type 5 (task) carrying the single byte d2',
    forkProof: 'a fork proof: entry1 and another entry at the same position',
    complaint: "alice's complaint against bob, carrying bob's signed delivery",
    disputeProof: 'a dispute proof: an announce and two awards naming different workers',
    continuation: "the operator's continuation record of epoch 1",
    birthEpoch1: "alice's birth at epoch 1, carrying `continuation` in field 6",
    death: "alice's death (alive = false, bindingHash)",
    request: "bob's signed request (COSE_Sign1 agentnet/request/1) to alice for seq 1..2 of her log, ts T0 + 5000",
    requestToBeSigned: "request's Sig_structure, the bytes bob's signature covers",
    directRequest: 'the direct message of type 6 (request) carrying `request`, published on d/{alice}',
    getEntries:
      "an unsigned direct getEntries (type 1) for seq 1..2 of alice's log, as earlier nodes sent it: a node decodes it and refuses it unanswered (`unsigned_request`)",
  };
  const out: string[] = [];
  for (const [k, v] of Object.entries(golden)) {
    out.push(
      `### ${k}`,
      '',
      `${what[k] ?? ''} (${v.length / 2} bytes)`,
      '',
      '```',
      v.replace(/(.{96})/g, '$1\n').trim(),
      '```',
      '',
    );
  }
  return out.join('\n').trim();
}

/** Every generated block by name. */
export function generatedBlocks(golden: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {
    limits: limitsMarkdown(),
    patterns: patternsMarkdown(),
    'sketch-example': sketchExample(),
    vectors: vectorsMarkdown(golden),
  };
  for (const t of WIRE_TABLES) out[`table ${t.name}`] = tableMarkdown(t);
  return out;
}

const BLOCK = /<!-- BEGIN generated:([^>]+?) -->\n[\s\S]*?<!-- END generated:\1 -->/g;

/** The document with every generated block filled in (an unknown block name throws). */
export function renderSpec(text: string, golden: Readonly<Record<string, string>>): string {
  const blocks = generatedBlocks(golden);
  return text.replace(BLOCK, (_, name: string) => {
    const body = blocks[name];
    if (body === undefined) throw new RangeError(`spec: no generated block ${name}`);
    return `<!-- BEGIN generated:${name} -->\n${body}\n<!-- END generated:${name} -->`;
  });
}
