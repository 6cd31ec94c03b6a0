import { loadConfigFile } from '../config/load.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { readSettings } from '../settings.js';
import { createStore } from '../store/index.js';

/**
 * `outpost heartbeat-token <probe-id>`: creates or rotates a heartbeat's token and prints its URL
 * once. Only the token's hash is stored; rotating makes the old URL stop working at once.
 */
export function heartbeatToken(probeId: string | undefined): number {
  if (!probeId) {
    console.error('usage: outpost heartbeat-token <probe-id>');
    return 2;
  }
  const settings = readSettings();
  const { config } = loadConfigFile(settings.configFile);
  const probe = config.probes.find((p) => p.id === probeId);
  if (!probe || probe.type !== 'heartbeat') {
    const heartbeats = config.probes.filter((p) => p.type === 'heartbeat').map((p) => p.id);
    console.error(`no heartbeat probe "${probeId}" in ${settings.configFile}; expected one of: ${heartbeats.join(', ') || '(none declared)'}`);
    return 1;
  }
  const db = openDatabase(settings.dbFile);
  try {
    migrate(db);
    const store = createStore(db, () => config.page.time_zone, () => undefined);
    store.components.syncFromConfig(config, Date.now());
    store.probes.syncFromConfig(config.probes, Date.now());
    const token = store.heartbeats.rotate(probeId, Date.now());
    console.log(`${config.page.url.replace(/\/$/, '')}/api/v1/heartbeats/${token}`);
    console.error('Shown once: store it in the job that checks in. Running this again replaces it.');
    return 0;
  } finally {
    db.close();
  }
}
