// Ports: the only way the sans-I/O core reaches hashing, signing and signature verification.
// The runtime (src/runtime/crypto.ts) and the simulator supply implementations; the core never
// imports node:crypto or sets global hooks (docs/conventions.md §2, docs/architecture.md §2).

/** Hash functions the core needs: SHA-256 for ids and body hashes, SHA-512 for Ed25519. */
export interface Hashes {
  sha256(data: Uint8Array): Uint8Array;
  sha512(data: Uint8Array): Uint8Array;
}

/** One Ed25519 verification: 32-byte public key, message, 64-byte signature. */
export interface SigItem {
  readonly pub: Uint8Array;
  readonly msg: Uint8Array;
  readonly sig: Uint8Array;
}

/**
 * Ed25519 verification under the project's one acceptance rule set (README "Signature acceptance rule").
 * Every implementation (WASM single, WASM batch, any fallback) must accept exactly the same set.
 * Untrusted input never throws: a malformed key or signature is simply `false`.
 */
export interface SigVerifier {
  readonly name: string;
  verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean;
  /** One result per item, in order; a batch with one bad signature reports exactly that one. */
  verifyBatch(items: readonly SigItem[]): boolean[];
}

/** Ed25519 signing with a 32-byte secret seed (RFC 8032 §5.1.5-6). */
export interface SigSigner {
  publicKey(secret: Uint8Array): Uint8Array;
  sign(secret: Uint8Array, msg: Uint8Array): Uint8Array;
}

/** Everything cryptographic the core is handed. */
export interface CryptoPort extends Hashes {
  readonly signer: SigSigner;
  readonly verifier: SigVerifier;
}
