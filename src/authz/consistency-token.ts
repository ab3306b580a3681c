import { InvalidInputError } from './errors';

/**
 * A consistency token names a write: the organization it changed and that
 * organization's revision after it (`v1.<base64url(orgId)>.<revision>`). Opaque to
 * clients. A read with `AT_LEAST_AS_FRESH` and a token for organization O answers about
 * O only from data at that revision or later; a token for another organization does
 * not constrain it (that write cannot have changed O).
 */
export interface ConsistencyToken {
  readonly orgId: string;
  readonly revision: number;
}

export function encodeToken(token: ConsistencyToken): string {
  return `v1.${Buffer.from(token.orgId, 'utf8').toString('base64url')}.${token.revision}`;
}

/** @throws InvalidInputError when the text is not a token this service issued. */
export function decodeToken(text: string): ConsistencyToken {
  const match = /^v1\.([A-Za-z0-9_-]+)\.(\d{1,15})$/.exec(text);
  const token = match ? { orgId: Buffer.from(match[1]!, 'base64url').toString('utf8'), revision: Number(match[2]) } : null;
  // Base64 decoding is lenient: only text that encodes back to itself was issued here.
  if (!token || encodeToken(token) !== text) throw new InvalidInputError('consistency.token is not a consistency token issued by this service');
  return token;
}
