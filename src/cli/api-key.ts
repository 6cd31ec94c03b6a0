import { loadConfigFile } from '../config/load.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { readSettings } from '../settings.js';
import { AuditStore, type AuditActor } from '../auth/audit-store.js';
import { ApiKeyService } from '../operations/api-keys.js';
import { OperationError } from '../operations/errors.js';
import { ApiKeyStore, type Role } from '../store/api-keys.js';

/** Whoever runs the command has shell access to the database; the audit log names the way in. */
const CLI_ACTOR: AuditActor = { kind: 'system', id: 'cli', name: 'command line' };

/**
 * `outpost api-key create <name> [--role editor|admin]`, `outpost api-key list`, `outpost api-key revoke <id>`.
 * The key is printed once; only its hash is stored.
 */
export function apiKey(args: string[]): number {
  const [action, ...rest] = args;
  const settings = readSettings();
  loadConfigFile(settings.configFile); // refuse to touch the database under a broken config
  const db = openDatabase(settings.dbFile);
  try {
    migrate(db);
    const keys = new ApiKeyStore(db);
    // The same path as the admin's page: every create and revoke is audited in its transaction.
    const service = new ApiKeyService({ db, apiKeys: keys, audit: new AuditStore(db) }, () => Date.now());
    if (action === 'create' && rest[0]) {
      const roleFlag = rest.indexOf('--role');
      const role = (roleFlag >= 0 ? rest[roleFlag + 1] : 'editor') as Role;
      if (role !== 'editor' && role !== 'admin') {
        console.error('--role: expected editor or admin');
        return 2;
      }
      const { key, apiKey } = service.create(rest[0], role, CLI_ACTOR);
      console.log(key);
      console.error(`API key ${apiKey.id} "${apiKey.name}" (${role}) created. Shown once: use it as "Authorization: OAuth ${apiKey.hint}…".`);
      return 0;
    }
    if (action === 'list') {
      for (const k of keys.list()) {
        console.log(`${k.id}  ${k.hint}…  ${k.role.padEnd(6)}  ${k.revokedAt ? 'revoked' : 'active '}  ${k.name}`);
      }
      return 0;
    }
    if (action === 'revoke' && rest[0]) {
      try {
        service.revoke(rest[0], CLI_ACTOR);
      } catch (err) {
        if (!(err instanceof OperationError)) throw err;
        console.error(`no active API key with id ${rest[0]}`);
        return 1;
      }
      console.log(`revoked ${rest[0]}`);
      return 0;
    }
    console.error('usage: outpost api-key create <name> [--role editor|admin] | list | revoke <id>');
    return 2;
  } finally {
    db.close();
  }
}
