// A2A v1.0 Agent Cards of agentnet agents (docs/a2a.md): one skill per live capability declaration, the
// node's A2A JSON-RPC endpoint in `supportedInterfaces`, the API's access rule in `securitySchemes`, and the
// agentnet BAID extension (BAID_EXTENSION_URI) carrying the evidence a client checks offline: the agent's
// binding (COSE_Sign by operator and agent key) and, per skill, the signed log entry and body it comes from.
//
// The card is signed as the A2A specification defines, with the SDK's helper: a JWS (flattened, detached payload) over the
// JCS-canonical card without `signatures`, `alg` EdDSA, `kid` naming the signing Ed25519 key. A node signs its
// own card with its agent key; a directory card (GET /a2a/agents) describes another agent and is signed by the
// node that serves the directory, whose own binding rides in the extension's `directory` member.

import { AgentCard, generateAgentCardSignature } from '@a2a-js/sdk';
import { toHex } from '../../core/base/bytes.js';

import { A2A_VERSION, BAID_EXTENSION_URI, KID_PREFIX } from './spec.js';

export { A2A_PATH, A2A_VERSION, BAID_EXTENSION_URI, CARD_PATH, KID_PREFIX } from './spec.js';

export const INPUT_MODES = ['text/plain', 'application/json'];
export const OUTPUT_MODES = ['application/json', 'text/plain', 'application/octet-stream'];

/** A capability declaration as a skill, with the signed bytes it comes from. */
export interface SkillSource {
  readonly topic: string;
  /** The declaration's key (default the first tag): with the topic, the skill's id `topic/key`. */
  readonly key: string;
  readonly tags: readonly string[];
  readonly text: string;
  readonly skills?: readonly string[];
  readonly price?: number;
  /** The log entry (COSE_Sign1 by the agent key) and the body it commits to by hash. */
  readonly entry: Uint8Array;
  readonly body: Uint8Array;
}

export interface CardSubject {
  readonly agent: string;
  /** The agent's binding, COSE_Sign bytes. */
  readonly binding: Uint8Array;
  readonly skills: readonly SkillSource[];
}

export interface CardOptions {
  /** The A2A JSON-RPC endpoint, e.g. http://127.0.0.1:8080/a2a */
  readonly endpoint: string;
  /** The API needs a bearer token (off loopback, or a token set). */
  readonly bearer: boolean;
  readonly version: string;
  /** Set for a directory card: the node that serves and signs it. */
  readonly directory?: { readonly agent: string; readonly binding: Uint8Array };
}

export const skillId = (topic: string, key: string): string => `${topic}/${key}`;

/** `topic/key` → its parts, or undefined when it is not one. */
export function parseSkillId(id: string): { topic: string; key: string } | undefined {
  const m = /^([a-z0-9_.-]{1,64})\/([a-z0-9_.-]{1,64})$/.exec(id);
  return m ? { topic: m[1]!, key: m[2]! } : undefined;
}

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/** The card as A2A JSON (camelCase, ProtoJSON enums), unsigned. */
export function buildCard(s: CardSubject, o: CardOptions): Record<string, unknown> {
  const short = s.agent.slice(0, 16);
  const skills = s.skills.map((k) => ({
    id: skillId(k.topic, k.key),
    name: `${k.topic}: ${k.key}`,
    description: k.text || `capability ${k.tags.join(', ')} in topic ${k.topic}`,
    tags: [...k.tags],
    ...(k.skills && k.skills.length ? { examples: [...k.skills] } : {}),
    inputModes: INPUT_MODES,
    outputModes: OUTPUT_MODES,
  }));
  const params: Record<string, unknown> = {
    agent: s.agent,
    binding: b64u(s.binding),
    declarations: s.skills.map((k) => ({ skill: skillId(k.topic, k.key), entry: b64u(k.entry), body: b64u(k.body) })),
    ...(o.directory ? { directory: { agent: o.directory.agent, binding: b64u(o.directory.binding) } } : {}),
  };
  return {
    name: o.directory ? `agentnet agent ${short} (via ${o.directory.agent.slice(0, 16)})` : `agentnet agent ${short}`,
    description:
      'An agentnet agent: a message to one of its skills becomes an agentnet task in that skill\u2019s topic, ' +
      'posted by this node; the network bids, the award, delivery and co-signed receipt run under a signed ' +
      'mechanism, and the artefact comes back as an A2A artifact.',
    supportedInterfaces: [{ url: o.endpoint, protocolBinding: 'JSONRPC', protocolVersion: A2A_VERSION }],
    version: o.version,
    capabilities: {
      streaming: true,
      pushNotifications: false,
      extendedAgentCard: false,
      extensions: [
        {
          uri: BAID_EXTENSION_URI,
          description:
            'BAID binding of the agent key to its operator and code hash, and the signed declarations behind each skill (docs/a2a.md)',
          required: false,
          params,
        },
      ],
    },
    ...(o.bearer
      ? {
          securitySchemes: {
            bearer: {
              httpAuthSecurityScheme: {
                scheme: 'Bearer',
                description: "the node's API token (apiToken / AGENTNET_API_TOKEN)",
              },
            },
          },
          securityRequirements: [{ schemes: { bearer: { list: [] } } }],
        }
      : {}),
    defaultInputModes: INPUT_MODES,
    defaultOutputModes: OUTPUT_MODES,
    skills,
  };
}

/** Signs a card (JSON) with an Ed25519 secret: the card with one signature, as JSON. */
export async function signCard(
  card: Record<string, unknown>,
  secret: Uint8Array,
  publicKey: Uint8Array,
): Promise<Record<string, unknown>> {
  const jwk = { kty: 'OKP', crv: 'Ed25519', x: b64u(publicKey), d: b64u(secret) };
  const sign = generateAgentCardSignature(jwk, { alg: 'EdDSA', typ: 'JOSE', kid: `${KID_PREFIX}${toHex(publicKey)}` });
  const signed = await sign(AgentCard.fromJSON(card));
  return AgentCard.toJSON(signed) as Record<string, unknown>;
}
