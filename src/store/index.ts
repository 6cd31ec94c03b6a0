import type { Db } from '../db/open.js';
import { ComponentStore } from './components.js';
import type { AuditStore } from '../auth/audit-store.js';
import type { LoginFailureStore } from '../auth/login-failure-store.js';
import type { OperatorStore } from '../auth/operator-store.js';
import type { SessionStore } from '../auth/session-store.js';
import { createAuthStores } from '../auth/stores.js';
import { ApiKeyStore } from './api-keys.js';
import { HeartbeatStore } from './heartbeats.js';
import { HistoryStore } from './history.js';
import { IncidentStore } from './incidents.js';
import { MetaStore } from './meta.js';
import { ProberHealthStore } from './prober-health.js';
import { ProbeStore } from './probes.js';

export interface Store {
  db: Db;
  components: ComponentStore;
  incidents: IncidentStore;
  history: HistoryStore;
  meta: MetaStore;
  probes: ProbeStore;
  heartbeats: HeartbeatStore;
  proberHealth: ProberHealthStore;
  apiKeys: ApiKeyStore;
  operators: OperatorStore;
  sessions: SessionStore;
  loginFailures: LoginFailureStore;
  audit: AuditStore;
}

/**
 * The data layer. `onChange` is called after every committed write that can change what the public
 * page shows; the publisher listens to it to rebuild the snapshot.
 */
export function createStore(db: Db, timeZone: () => string, onChange: () => void): Store {
  const history = new HistoryStore(db);
  return {
    db,
    history,
    components: new ComponentStore(db, history, timeZone, onChange),
    incidents: new IncidentStore(db, onChange),
    meta: new MetaStore(db),
    probes: new ProbeStore(db),
    heartbeats: new HeartbeatStore(db),
    proberHealth: new ProberHealthStore(db, onChange),
    apiKeys: new ApiKeyStore(db),
    ...createAuthStores(db),
  };
}
