/**
 * How values are stored in Redis: Keyv's record `{"value": ..., "expires": ...}` as JSON
 * text, keys exactly as src/l2/keys.ts builds them (no Keyv namespace, no prefix).
 */

/** Longest stored text that is parsed at all. */
export const MAX_STORED_CHARS = 64 * 1024;

/** Longest version token accepted. */
export const MAX_TOKEN_CHARS = 128;

/** Stands for stored text longer than MAX_STORED_CHARS, which was not parsed. */
export class OversizeValue {
  constructor(readonly chars: number) {}
}

/** Stands for stored text that is not JSON (a corrupt write, another program's key). */
export const CORRUPT = Object.freeze({ corrupt: true });

/** `value` in Keyv's stored form, expiring `ttl` ms from now (none: never). */
export function storedForm(value: unknown, ttl?: number): string {
  return JSON.stringify({ value, expires: ttl ? Date.now() + ttl : undefined });
}

/**
 * Keyv's record parsed from stored text. Text that is not JSON must cost one miss for
 * that key, not fail the whole batch, so it becomes a value the L2 layer rejects (and
 * logs). Text longer than any value we write is not parsed at all (the Redis client has
 * already received it; the L2 layer replaces or overwrites it, so it is not read again
 * and again).
 */
export function parseStored<Value>(text: string): { value?: Value; expires?: number } | undefined {
  if (text.length > MAX_STORED_CHARS) return { value: new OversizeValue(text.length) as Value };
  try {
    return JSON.parse(text) as { value?: Value; expires?: number };
  } catch {
    return { value: CORRUPT as Value };
  }
}

/** The value inside stored text (for replies that bypass Keyv, such as `SET ... GET`). */
export function valueOfStored(text: string): unknown {
  return parseStored(text)?.value;
}
