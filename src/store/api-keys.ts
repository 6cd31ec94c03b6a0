import type { Statement } from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/open.js';
import { newId } from '../util/ids.js';

export type Role = 'admin' | 'editor';

export interface ApiKey {
  id: string;
  name: string;
  hint: string;
  role: Role;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

/** Management API keys: 192 random bits, shown once, stored as a SHA-256 hash (no salt needed at that entropy). */
export class ApiKeyStore {
  private readonly insert: Statement;
  private readonly byHash: Statement;
  private readonly touch: Statement;
  private readonly revokeStmt: Statement;
  private readonly all: Statement;

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO api_keys (id, name, key_hash, key_hint, role, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    this.byHash = db.prepare('SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL');
    this.touch = db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)');
    this.revokeStmt = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
    this.all = db.prepare('SELECT * FROM api_keys ORDER BY created_at DESC');
  }

  /** Returns the key itself once; only its hash is kept. */
  create(name: string, role: Role, now: number): { key: string; apiKey: ApiKey } {
    const key = `op_${randomBytes(24).toString('base64url')}`;
    const id = newId();
    this.insert.run(id, name, hash(key), key.slice(0, 7), role, now);
    return { key, apiKey: { id, name, hint: key.slice(0, 7), role, createdAt: now, revokedAt: null, lastUsedAt: null } };
  }

  /** The key's record when it exists and is not revoked; records its use at most once a minute. */
  verify(key: string, now: number): ApiKey | undefined {
    const row = this.byHash.get(hash(key)) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    this.touch.run(now, row.id, now - 60_000);
    return toApiKey(row);
  }

  revoke(id: string, now: number): boolean {
    return this.revokeStmt.run(now, id).changes > 0;
  }

  list(): ApiKey[] {
    return (this.all.all() as Record<string, unknown>[]).map(toApiKey);
  }
}

function toApiKey(row: Record<string, unknown>): ApiKey {
  return {
    id: row.id as string,
    name: row.name as string,
    hint: row.key_hint as string,
    role: row.role as Role,
    createdAt: row.created_at as number,
    revokedAt: row.revoked_at as number | null,
    lastUsedAt: row.last_used_at as number | null,
  };
}
