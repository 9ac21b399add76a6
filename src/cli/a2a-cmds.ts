// `agentnet a2a card`: prints an A2A Agent Card (a node's, from its API, or one in a file) and with --verify checks
// it offline as docs/a2a.md "What a client verifies" says: the JWS signature, the BAID binding in the agentnet
// extension (bound to the card's key), the signer, and each skill against its signed declaration.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_LIMITS } from '../core/codec/limits.js';
import { CARD_PATH } from '../runtime/a2a/card.js';
import { verifyCard } from '../runtime/a2a/verify.js';
import { makeCryptoPort } from '../runtime/crypto-port.js';
import { defaultVerifier } from '../runtime/verifier.js';
import { UsageError } from './args.js';

export const A2A_HELP = `Usage: agentnet a2a card (--url URL | --file FILE) [--verify] [--json] [--token TOKEN]

Prints an A2A v1.0 Agent Card: a node's (URL is its API, e.g. http://127.0.0.1:8080; the card is read from
${CARD_PATH}, or from URL itself when it ends in .json) or the one in FILE (JSON; "-" reads stdin).
--verify checks it offline: the JWS signature (EdDSA, the key its kid names) over the JCS-canonical card, the
BAID binding in the agentnet extension (both signatures, baid, validity, bound to the card's agent key), that
the signer is the agent (or, for a directory card, the directory node whose binding the card carries), and
every skill against the signed capability entry and body it names. Nothing is stored.
--json prints {card, check?} instead of text. --token sends a bearer token (AGENTNET_API_TOKEN by default).
Exit codes: 0 printed (and verified), 1 the card failed verification (each failure named), 2 usage error,
3 the card could not be read.
Example: agentnet a2a card --url http://127.0.0.1:8080 --verify`;

async function readCard(
  url: string | undefined,
  file: string | undefined,
  token: string | undefined,
): Promise<unknown> {
  if (file !== undefined) return JSON.parse(file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8'));
  const u = /\.json$/.test(url!) ? url! : `${url!.replace(/\/+$/, '')}${CARD_PATH}`;
  const r = await fetch(u, {
    headers: { 'a2a-version': '1.0', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    signal: AbortSignal.timeout(10_000),
  });
  if (!r.ok) throw new Error(`GET ${u}: HTTP ${r.status}`);
  return r.json();
}

export async function cmdA2a(argv: string[]): Promise<number> {
  const [what, ...rest] = argv;
  if (what === '--help' || what === '-h' || what === undefined) {
    (what === undefined ? console.error : console.log)(A2A_HELP);
    return what === undefined ? 2 : 0;
  }
  if (what !== 'card') throw new UsageError(`agentnet a2a: unknown subcommand ${JSON.stringify(what)}\n\n${A2A_HELP}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      url: { type: 'string' },
      file: { type: 'string' },
      token: { type: 'string' },
      verify: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(A2A_HELP);
    return 0;
  }
  if ((values.url === undefined) === (values.file === undefined))
    throw new UsageError(`give --url or --file, one of them\n\n${A2A_HELP}`);
  let card: unknown;
  try {
    card = await readCard(values.url, values.file, values.token ?? process.env['AGENTNET_API_TOKEN']);
  } catch (e) {
    console.error(`agentnet a2a card: ${(e as Error).message}`);
    return 3;
  }
  const check = values.verify
    ? await verifyCard(card, makeCryptoPort(defaultVerifier()), Date.now(), DEFAULT_LIMITS)
    : undefined;
  if (values.json) console.log(JSON.stringify({ card, ...(check ? { check } : {}) }, null, 2));
  else {
    console.log(JSON.stringify(card, null, 2));
    if (check?.ok)
      console.log(
        `verified: signed by ${check.signer}${check.directory ? ' (directory node)' : ' (the agent)'}; agent ${check.agent} ` +
          `bound to operator ${check.operator}, code hash ${check.codeHash}, until ${new Date(check.notAfter!).toISOString()}; ` +
          `skills ${check.skills.join(', ') || 'none'}`,
      );
    else if (check) console.log(`NOT verified:\n  ${check.errors.join('\n  ')}`);
  }
  return check && !check.ok ? 1 : 0;
}
