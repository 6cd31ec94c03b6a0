import type { AuditActor } from '../auth/audit-store.js';
import type { AuditStore } from '../auth/audit-store.js';
import type { Db } from '../db/open.js';
import type { ApiKey, ApiKeyStore, Role } from '../store/api-keys.js';
import type { Clock } from '../util/time.js';
import { OperationError } from './errors.js';

/** What the audit log keeps of a key: never the key or its hash. */
const described = (k: ApiKey) => ({ name: k.name, role: k.role, hint: k.hint, revoked: k.revokedAt !== null });

/**
 * Creating and revoking management API keys, each audited in the same transaction. The key itself
 * leaves this class once, in create()'s return value; only its hash is stored.
 */
export class ApiKeyService {
  constructor(
    private readonly stores: { db: Db; apiKeys: ApiKeyStore; audit: AuditStore },
    private readonly clock: Clock,
  ) {}

  create(name: string, role: Role, actor: AuditActor): { key: string; apiKey: ApiKey } {
    const now = this.clock();
    return this.stores.db.transaction(() => {
      const created = this.stores.apiKeys.create(name, role, now);
      this.stores.audit.record({ at: now, actor, action: 'api_key.create', entityType: 'api_key', entityId: created.apiKey.id, before: null, after: described(created.apiKey) });
      return created;
    })();
  }

  revoke(id: string, actor: AuditActor): ApiKey {
    const now = this.clock();
    return this.stores.db.transaction(() => {
      const before = this.stores.apiKeys.list().find((k) => k.id === id);
      if (!before) throw new OperationError(404, `no API key with id "${id}"`);
      if (before.revokedAt !== null || !this.stores.apiKeys.revoke(id, now)) throw new OperationError(409, `the API key "${before.name}" is already revoked`);
      const after = { ...before, revokedAt: now };
      this.stores.audit.record({ at: now, actor, action: 'api_key.revoke', entityType: 'api_key', entityId: id, before: described(before), after: described(after) });
      return after;
    })();
  }
}
