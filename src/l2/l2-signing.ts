import { createHmac, createSecretKey, type KeyObject, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Message authentication of L2 values (see l2-entry.ts): HMAC-SHA256 with a secret
 * only the gateways hold (AUTHZ_L2_SIGNING_KEY), truncated to 128 bits (RFC 2104 §5
 * allows truncating to half the hash output) and written as 22 base64url characters.
 *
 * Rotation: `sign` uses the current key only; `verify` accepts the current key, then
 * the previous one (AUTHZ_L2_SIGNING_KEY_PREVIOUS), so values written by instances not
 * yet restarted keep hitting while a new key rolls out.
 *
 * The HMAC input is `authz-l2-v3`, the key's length, the key and the payload, each on
 * its own line: the length says where the key ends whatever either holds, so no two
 * (key, payload) pairs give the same input.
 */
export interface L2Signer {
  /** The MAC of (`key`, `payload`) under the current key. */
  sign(key: string, payload: string): string;
  /** Whether `mac` is the MAC of (`key`, `payload`) under the current or the previous key (constant-time compare). */
  verify(key: string, payload: string, mac: string): boolean;
}

export interface L2SigningKeys {
  /** The key that signs and verifies: any string; its UTF-8 bytes are the HMAC key. */
  readonly current: string | Buffer;
  /** A former key, accepted for verifying only. */
  readonly previous?: string | Buffer | null;
}

/** Characters of a MAC as written: 16 bytes in unpadded base64url. */
export const MAC_LENGTH = 22;

export function createL2Signer(keys: L2SigningKeys): L2Signer {
  // KeyObjects are made once: createHmac then skips importing the key on every call.
  const current = secretKey(keys.current);
  const previous = keys.previous ? secretKey(keys.previous) : null;
  const mac = (key: KeyObject, message: string) => createHmac('sha256', key).update(message).digest().subarray(0, 16).toString('base64url');
  const matches = (key: KeyObject, message: string, given: string) => timingSafeEqual(Buffer.from(mac(key, message), 'latin1'), Buffer.from(given, 'latin1'));
  return {
    sign: (key, payload) => mac(current, macInput(key, payload)),
    verify: (key, payload, given) => {
      // Only the length is checked before comparing; it is public (always 22). latin1
      // keeps one byte per character, so both buffers have 22 bytes whatever was given.
      if (typeof given !== 'string' || given.length !== MAC_LENGTH) return false;
      const message = macInput(key, payload);
      return matches(current, message, given) || (previous !== null && matches(previous, message, given));
    },
  };
}

/**
 * A key for one process only (L2 in memory, or no AUTHZ_L2_SIGNING_KEY outside
 * production): nothing another process signed verifies with it.
 */
export function processSigningKey(): Buffer {
  return randomBytes(32);
}

function secretKey(key: string | Buffer): KeyObject {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  if (bytes.length === 0) throw new Error('an L2 signing key must not be empty');
  return createSecretKey(bytes);
}

function macInput(key: string, payload: string): string {
  return `authz-l2-v3\n${key.length}\n${key}\n${payload}`;
}
