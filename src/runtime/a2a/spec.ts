// The A2A names this node uses (docs/a2a.md), apart from the SDK so that the API's route table can name the A2A
// routes without loading the SDK: `agentnet run` loads it at the first A2A request (host.ts, rpc.ts).

/** The agentnet BAID binding extension (an A2A extension): stable, versioned; a breaking change gets a new URI. */
export const BAID_EXTENSION_URI = 'urn:agentnet:a2a:baid:v1';
/** The A2A protocol version this node speaks (Major.Minor, as A2A names versions). */
export const A2A_VERSION = '1.0';
export const A2A_PATH = '/a2a';
export const CARD_PATH = '/.well-known/agent-card.json';
/** `kid` of a card signature: the Ed25519 public key, hex. */
export const KID_PREFIX = 'agentnet:ed25519:';
