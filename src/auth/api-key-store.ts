import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../store/generated/prisma/client';
import { generateApiKeySecret, hashApiKey } from './api-key';
import { SCOPES } from './types';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

const PUBLIC_FIELDS = { id: true, name: true, scopes: true, createdAt: true, revokedAt: true, lastUsedAt: true } as const;

/**
 * API keys in PostgreSQL (table `api_keys`): create, list, revoke, and the lookup the
 * authenticator makes. The secret exists only in the return value of `create`.
 */
export class ApiKeyStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** @throws Error when the name is taken or a scope is unknown. */
  async create(name: string, scopes: readonly string[]): Promise<{ record: ApiKeyRecord; secret: string }> {
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(name)) throw new Error('name: 1-128 letters, digits, ".", "_" or "-"');
    const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
    if (scopes.length === 0 || unknown.length > 0) throw new Error(`scopes: give one or more of ${SCOPES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
    if (await this.prisma.apiKey.findUnique({ where: { name } })) throw new Error(`an API key named ${name} already exists`);
    const secret = generateApiKeySecret();
    const record = await this.prisma.apiKey.create({
      data: { id: `key_${randomBytes(8).toString('hex')}`, name, hash: hashApiKey(secret), scopes: [...new Set(scopes)] },
      select: PUBLIC_FIELDS,
    });
    return { record, secret };
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.prisma.apiKey.findMany({ select: PUBLIC_FIELDS, orderBy: { createdAt: 'asc' } });
  }

  /** Revokes by ID or name; returns the key, or null when there is none. Revoking twice keeps the first time. */
  async revoke(idOrName: string): Promise<ApiKeyRecord | null> {
    const key = await this.prisma.apiKey.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] }, select: PUBLIC_FIELDS });
    if (!key) return null;
    if (key.revokedAt) return key;
    return this.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() }, select: PUBLIC_FIELDS });
  }

  /** The unrevoked key with this secret, or null. Rejects when the database cannot answer. */
  async findActive(secret: string): Promise<ApiKeyRecord | null> {
    return this.prisma.apiKey.findFirst({ where: { hash: hashApiKey(secret), revokedAt: null }, select: PUBLIC_FIELDS });
  }

  /** Records use; callers throttle it (one write per key per minute is plenty). */
  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.update({ where: { id }, data: { lastUsedAt: at } });
  }
}
