import { buildApp } from './app.js';
import { bootstrapAdmin, BootstrapError } from './auth/bootstrap.js';
import { ConfigError } from './config/errors.js';
import { loadConfigFile } from './config/load.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/open.js';
import { seedDemo } from './demo/seed.js';
import { startMonitoring, type Monitoring } from './scheduler/start.js';
import { readSettings } from './settings.js';
import { expireStaleDemo, purgeDemoData } from './store/demo-data.js';
import { systemClock } from './util/time.js';
import { serverLoggerOptions } from './web/request-logger.js';

/** Entry point: settings, config, database, app, listen; graceful close on SIGTERM and SIGINT. */
async function main(): Promise<void> {
  const settings = readSettings();
  // Validate before touching the database: a bad config changes nothing.
  const { config } = loadConfigFile(settings.configFile);
  const db = openDatabase(settings.dbFile);
  migrate(db);
  if (!settings.demo && purgeDemoData(db)) console.log('removed the bundled demo data from the database: a configured page never shows it');
  const staleDemo = settings.demo ? expireStaleDemo(db, systemClock()) : null;

  // Monitoring starts once the app is built; the admin's probe page asks for its lag when shown.
  let monitoring: Monitoring | undefined;
  const app = await buildApp({
    config,
    db,
    demo: settings.demo,
    trustProxy: settings.trustProxy,
    probeLag: () => monitoring?.host.lag,
    logger: serverLoggerOptions(),
  });
  const admin = await bootstrapAdmin(app.store, process.env, systemClock);
  // Nothing else needs it, and worker threads inherit the environment.
  delete process.env.OUTPOST_ADMIN_PASSWORD;
  if (admin.created) app.log.info({ email: admin.operator.email }, 'created the first admin operator from OUTPOST_ADMIN_EMAIL');
  else if (admin.reason === 'env_missing') app.log.warn('no operator yet: set OUTPOST_ADMIN_EMAIL and OUTPOST_ADMIN_PASSWORD and restart to create the first admin');
  else if (admin.envSet) app.log.info('OUTPOST_ADMIN_EMAIL and OUTPOST_ADMIN_PASSWORD are ignored now that operators exist; remove them from the environment');
  if (settings.demo && seedDemo(app.store, systemClock(), config.page.time_zone)) {
    app.log.info(staleDemo === null ? 'seeded the bundled demo data' : `seeded the bundled demo data again: the last seed was ${Math.round(staleDemo / 3_600_000)} hours old`);
  }
  await app.publisher.rebuild();
  monitoring = startMonitoring(app, config, systemClock);
  // Announcements left queued (or cut off mid-delivery) by the last run go out now; app.close() stops it.
  app.outbox.start();

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await monitoring?.stop();
    // A request in flight at the signal is answered, on a keep-alive connection that then sits idle
    // (Fly's proxy keeps them) and would hold the close until the forced exit: close each as it idles.
    const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
    await app.close().finally(() => clearInterval(sweep));
    db.close(); // folds the WAL back into the database file
    process.exit(0);
  };
  process.on('SIGTERM', () => void close('SIGTERM'));
  process.on('SIGINT', () => void close('SIGINT'));

  const address = await app.listen({ port: settings.port, host: settings.host });
  app.log.info(`${settings.demo ? 'demo page' : config.page.name} served on ${address.replace('0.0.0.0', 'localhost')}`);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof BootstrapError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
