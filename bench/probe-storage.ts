import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { parseConfig } from '../src/config/load.js';
import { migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';
import type { Observation } from '../src/monitoring/monitor.js';
import type { ProbeResult } from '../src/probes/types.js';
import { buildSnapshot } from '../src/status/snapshot.js';
import { addDays, DAY, dayKey, HOUR, MINUTE } from '../src/util/time.js';
import { contention, machineTicks, type Contention } from './cpu.js';
import { serveParent } from './ipc.js';
import { probeIds, probesYaml } from './probe-config.js';
import { spread, type Spread } from './report.js';
import { prng, seedBench, SHAPE } from './seed.js';

/**
 * Storage at 1,000 probes x one result a minute x 90 days, in a real SQLite file (forked by
 * bench/probes.ts). The clock is injected: the database ends up as a server's would after 90 days,
 * written in about a minute. Which path writes what, and why it is representative:
 *
 *  - The last SLICE_MINUTES go through the real road: Monitor.handle with one batch of 1,000
 *    realistic HTTP results a minute (raw row, hourly upsert, confirmation state with the result as
 *    JSON, one transaction), one component's probes failing for a while so that the monitor changes
 *    its status, and the real housekeeping every 5 simulated minutes (ProbeStore.finalizeHours, then
 *    ProbeStore.prune), as src/scheduler/start.ts runs it. The slice crosses an hour boundary, so one
 *    finalizeHours call computes the p95 of a full hour of 1,000 probes from the raw rows.
 *  - The 48 hours of raw results before the slice (the raw retention: no more exist at any time)
 *    are inserted into probe_results in bulk SQL, one transaction per hour, in time order as the
 *    monitor inserts them: the same table, columns and two indexes, each probe at its own second of
 *    the minute, latencies with two decimals (http.ts rounds them so), a few failures. The window
 *    starts a little more than 48 h back, so the slice's prune frees pages that its inserts reuse,
 *    as in production, where the file keeps its high-water mark.
 *  - Every hour before the slice's exists only as an hourly rollup row as the monitor's upsert and
 *    finalizeHours leave it (count, failures, latency count, sum, min, max, p95: every column
 *    filled), bulk inserted 100 probes per transaction, probe by probe. The monitor writes them hour
 *    by hour instead; in a trial of 480,000 rows that order cost 2.4 times the time for a table 2%
 *    larger (78.4 against 76.9 bytes a row), a difference this benchmark accepts to stay short.
 *
 * Pushing 129.6 million results one by one through the monitor would take hours and leave the same
 * rows behind: rollups for 90 days, raw results for the last 48 h.
 */

export interface StorageResult {
  shape: { probes: number; components: number; days: number; intervalS: number; rawRetentionH: number; sliceMinutes: number; probeIdChars: number };
  rows: { raw: number; hourly: number; daily: number; statusEvents: number; incidents: number };
  /** File sizes after a checkpoint (the WAL folded back), free pages, and pages per table and index (dbstat). */
  bytes: { db: number; wal: number; free: number; byObject: Record<string, number> };
  /** Bytes per row, indexes included. */
  perRow: { raw: number; hourly: number };
  buildS: { hourly: number; raw: number; slice: number; total: number };
  /** What other processes took while this one built and measured: on a shared host, the noise. */
  noise: { build: Contention | null; snapshot: Contention | null };
  /** Monitor.handle per batch of 1,000 results: one transaction on the main thread. */
  monitor: { batchResults: number; batchMs: Spread; usPerResult: number; statusChanges: number };
  /** The housekeeping start.ts runs every 5 minutes on the main thread. */
  housekeeping: { finalizeMs: Spread; finalizedPerCall: number[]; pruneMs: Spread; prunedPerCall: number[] };
  snapshot: { buildSnapshotMs: Spread; samples: number; rebuildSnapshotStageMs: Spread; rebuildBuildMs: Spread; rebuilds: number; lastStages: Record<string, number> };
}

const PROBES = 1_000;
const DAYS = SHAPE.days;
const INTERVAL = MINUTE;
const RAW_RETENTION = 48 * HOUR;
const HOUSEKEEPING = 5 * MINUTE;
const SLICE_MINUTES = 20;
const SNAPSHOT_SAMPLES = 50;
/** Few: with every component charting its probes' latency, one rebuild takes seconds on a small machine. */
const REBUILD_SAMPLES = 2;

const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-storage-'));
const file = join(dir, 'outpost.db');
const db = openDatabase(file);
let app: FastifyInstance | undefined;

const seconds = (ms: number) => Math.round(ms / 100) / 10;
/**
 * Between transactions: lets a disconnect or a signal be handled, so that an interrupted run still
 * closes the database and removes its 400 MB folder instead of being killed mid-write.
 */
const breathe = () => new Promise((resolve) => setImmediate(resolve));
const round2 = (n: number) => Math.round(n * 100) / 100;

async function run(): Promise<StorageResult> {
  const started = performance.now();
  const startTicks = machineTicks();
  const startCpu = process.cpuUsage();
  migrate(db);
  // The end of the 90 days: ten past an hour, so that the 20-minute slice crosses an hour boundary.
  const end = Math.floor((Date.now() - 10 * MINUTE) / HOUR) * HOUR + 10 * MINUTE;
  const sliceStart = end - SLICE_MINUTES * MINUTE;
  const sliceHour = Math.floor(sliceStart / HOUR) * HOUR;
  const rawStart = sliceStart - RAW_RETENTION - 2 * HOUSEKEEPING;
  const historyStart = Math.floor((end - DAYS * DAY) / HOUR) * HOUR;
  let now = sliceStart;

  const config = parseConfig(
    probesYaml({ count: PROBES, intervalMs: INTERVAL, timeoutMs: 10_000, url: (i) => `http://127.0.0.1:9/check/${i}`, showLatency: true }),
    'bench-storage.yaml',
    {},
  );
  app = await buildApp({ config, db, clock: () => now, refreshMs: 0 });
  const { store, monitor } = app;
  // 90 days of daily status rows, 300 incidents and their status changes: the page of bench/run.ts.
  seedBench(store, sliceStart);

  // Each probe runs at its own second of the minute and has its own typical latency.
  const random = prng(7);
  const probes = probeIds(PROBES).map(({ id, component }) => ({ id, component, offset: Math.floor(random() * INTERVAL), base: 5 + random() * 200 }));
  db.exec('CREATE TEMP TABLE bench_probes (id TEXT PRIMARY KEY, offset_ms INTEGER NOT NULL, base REAL NOT NULL) STRICT');
  const addProbe = db.prepare('INSERT INTO temp.bench_probes VALUES (?, ?, ?)');
  db.transaction(() => probes.forEach((p) => addProbe.run(p.id, p.offset, p.base)))();

  // ---- every hour before the slice's: hourly rollups only, 100 probes per transaction
  let t = performance.now();
  const insertHourly = db.prepare(`
    WITH RECURSIVE h(hour) AS (SELECT @from UNION ALL SELECT hour + ${HOUR} FROM h WHERE hour + ${HOUR} < @to),
    r AS MATERIALIZED (
      SELECT id, hour, base, (abs(random()) % 1000 < 5) AS f, (abs(random()) % 1000) / 1000.0 AS j
      FROM h CROSS JOIN (SELECT * FROM temp.bench_probes ORDER BY id LIMIT 100 OFFSET @skip))
    INSERT INTO probe_hourly (probe_id, hour, count, failures, latency_count, latency_sum, latency_min, latency_max, latency_p95)
    SELECT id, hour, 60, f, 60 - f, round(base * (60 - f) * (0.9 + j * 0.2), 2), round(base * (0.6 + j * 0.1), 2),
           round(base * (1.5 + j), 2), round(base * (1.2 + j * 0.4), 2)
    FROM r ORDER BY id, hour`);
  for (let skip = 0; skip < PROBES; skip += 100) {
    db.transaction(() => insertHourly.run({ from: historyStart, to: sliceHour, skip }))();
    await breathe();
  }
  const hourlyS = seconds(performance.now() - t);

  // ---- 48 h of raw results before the slice, one transaction per hour, in time order
  t = performance.now();
  const insertRaw = db.prepare(`
    WITH RECURSIVE m(at) AS (SELECT @from UNION ALL SELECT at + ${INTERVAL} FROM m WHERE at + ${INTERVAL} < @to),
    r AS MATERIALIZED (
      SELECT id, m.at + offset_ms AS at, base, abs(random()) % 10000 AS u, (abs(random()) % 1000) / 1000.0 AS j FROM m CROSS JOIN temp.bench_probes)
    INSERT INTO probe_results (probe_id, at, outcome, latency_ms, layer, code)
    SELECT id, at, iif(u < 10, 'down', 'up'), iif(u < 10, NULL, round(base * (0.8 + j * 0.6), 2)), iif(u < 10, 'timeout', NULL), iif(u < 10, 'ETIMEDOUT', NULL)
    FROM r ORDER BY at`);
  for (let hour = rawStart, guard = 0; hour < sliceStart && guard < 100; hour += HOUR, guard++) {
    db.transaction(() => insertRaw.run({ from: hour, to: Math.min(hour + HOUR, sliceStart) }))();
    await breathe();
  }
  const rawS = seconds(performance.now() - t);
  db.exec('DROP TABLE temp.bench_probes');

  // ---- the last 20 minutes through the monitor, one batch a minute, housekeeping every 5 minutes
  t = performance.now();
  const failing = store.components.list().find((c) => !c.isGroup && c.status === 'operational')!.id;
  const eventsBefore = (db.prepare('SELECT count(*) AS n FROM component_status_events').get() as { n: number }).n;
  const countRaw = db.prepare('SELECT count(*) AS n FROM probe_results');
  const batchMs: number[] = [];
  const finalizeMs: number[] = [];
  const finalizedPerCall: number[] = [];
  const pruneMs: number[] = [];
  const prunedPerCall: number[] = [];
  const inRunOrder = [...probes].sort((a, b) => a.offset - b.offset);
  for (let minute = 0; minute < SLICE_MINUTES; minute++) {
    const from = sliceStart + minute * MINUTE;
    // Minutes 3-9: every probe of one component is refused, long enough to confirm and to recover.
    const outage = minute >= 3 && minute < 10;
    const observations: Observation[] = inRunOrder.map((p) => ({
      probeId: p.id,
      at: from + p.offset,
      result: outage && p.component === failing ? refused() : random() < 0.001 ? timedOut() : answered(p.base * (0.8 + random() * 0.6), random),
    }));
    now = from + INTERVAL - 1;
    const b = performance.now();
    monitor.handle(observations);
    batchMs.push(performance.now() - b);
    if ((minute + 1) % (HOUSEKEEPING / MINUTE) === 0) {
      let h = performance.now();
      finalizedPerCall.push(store.probes.finalizeHours(now));
      finalizeMs.push(performance.now() - h);
      const before = (countRaw.get() as { n: number }).n;
      h = performance.now();
      store.probes.prune(now, config.monitoring.raw_retention, config.monitoring.rollup_retention);
      pruneMs.push(performance.now() - h);
      prunedPerCall.push(before - (countRaw.get() as { n: number }).n);
    }
    await breathe();
  }
  const sliceS = seconds(performance.now() - t);
  const statusChanges = (db.prepare('SELECT count(*) AS n FROM component_status_events').get() as { n: number }).n - eventsBefore;

  // ---- the page at the end of the 90 days
  now = end;
  await app.publisher.idle();
  const rebuildSnapshot: number[] = [];
  const rebuildBuild: number[] = [];
  for (let i = 0; i < REBUILD_SAMPLES; i++) {
    await app.publisher.rebuild();
    rebuildSnapshot.push(app.publisher.stats.stages.snapshot ?? NaN);
    rebuildBuild.push(app.publisher.stats.lastBuildMs);
  }
  // buildSnapshot alone (the 90-day bars and the rest of the page model), on the inputs Publisher.buildOnce loads.
  const page = config.page;
  const input = {
    page,
    demo: false,
    now,
    components: store.components.list(),
    incidents: store.incidents.listAll(),
    daily: store.history.dailySince(addDays(dayKey(now, page.time_zone), -100)),
    monitoring: { interrupted: false, since: null },
  };
  const snapshotMs: number[] = [];
  const snapshotTicks = machineTicks();
  const snapshotCpu = process.cpuUsage();
  const snapshotStarted = performance.now();
  for (let i = 0; i < SNAPSHOT_SAMPLES + 3; i++) {
    const s = performance.now();
    const snapshot = buildSnapshot(input);
    if (i >= 3) snapshotMs.push(performance.now() - s); // three warm-up builds: JIT
    const bars = snapshot.components.filter((c) => c.uptime?.days.length === 90).length;
    if (bars !== SHAPE.components) throw new Error(`expected 90-day bars for ${SHAPE.components} components, got ${bars}`);
  }
  const ownCores = (since: NodeJS.CpuUsage, from: number) => {
    const cpu = process.cpuUsage(since);
    return (cpu.user + cpu.system) / ((performance.now() - from) * 1000);
  };
  const snapshotNoise = contention(snapshotTicks, machineTicks(), ownCores(snapshotCpu, snapshotStarted), availableParallelism());
  const buildNoise = contention(startTicks, machineTicks(), ownCores(startCpu, started), availableParallelism());

  // ---- what is on disk
  db.pragma('wal_checkpoint(TRUNCATE)');
  const byObject: Record<string, number> = {};
  for (const r of db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as { name: string; bytes: number }[]) {
    byObject[r.name] = r.bytes;
  }
  const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const rows = {
    raw: count('probe_results'),
    hourly: count('probe_hourly'),
    daily: count('component_daily_status'),
    statusEvents: count('component_status_events'),
    incidents: count('incidents'),
  };
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const free = (db.pragma('freelist_count', { simple: true }) as number) * pageSize;
  const size = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };
  const of = (...names: string[]) => names.reduce((sum, n) => sum + (byObject[n] ?? 0), 0);
  return {
    shape: { probes: PROBES, components: SHAPE.components, days: DAYS, intervalS: INTERVAL / 1000, rawRetentionH: RAW_RETENTION / HOUR, sliceMinutes: SLICE_MINUTES, probeIdChars: probes[0]!.id.length },
    rows,
    bytes: { db: size(file), wal: size(`${file}-wal`), free, byObject },
    perRow: {
      raw: Math.round(of('probe_results', 'probe_results_by_probe', 'probe_results_by_time') / rows.raw),
      hourly: Math.round(of('probe_hourly', 'probe_hourly_open') / rows.hourly),
    },
    buildS: { hourly: hourlyS, raw: rawS, slice: sliceS, total: seconds(performance.now() - started) },
    noise: { build: buildNoise, snapshot: snapshotNoise },
    monitor: { batchResults: PROBES, batchMs: spread(batchMs), usPerResult: Math.round((batchMs.reduce((a, b) => a + b, 0) * 1000) / (batchMs.length * PROBES)), statusChanges },
    housekeeping: { finalizeMs: spread(finalizeMs), finalizedPerCall, pruneMs: spread(pruneMs), prunedPerCall },
    snapshot: {
      buildSnapshotMs: spread(snapshotMs),
      samples: SNAPSHOT_SAMPLES,
      rebuildSnapshotStageMs: spread(rebuildSnapshot),
      rebuildBuildMs: spread(rebuildBuild),
      rebuilds: REBUILD_SAMPLES,
      lastStages: { ...app.publisher.stats.stages },
    },
  };
}

/** What the HTTP probe returns for a healthy answer, phases and all (the state row stores it as JSON). */
function answered(latency: number, random: () => number): ProbeResult {
  const total = round2(latency);
  const connect = round2(total * (0.2 + random() * 0.2));
  return {
    outcome: 'up',
    ok: true,
    message: `HTTP 200 in ${Math.round(total)} ms`,
    latencyMs: total,
    statusCode: 200,
    phases: { dnsMs: round2(0.3 + random()), connectMs: connect, tlsMs: round2(connect * 1.5), firstByteMs: round2(total * 0.9), totalMs: total },
  };
}

function refused(): ProbeResult {
  return { outcome: 'down', ok: false, layer: 'connect', code: 'ECONNREFUSED', message: 'TCP connect to api.bench.example:443 failed (ECONNREFUSED)', latencyMs: null, phases: { dnsMs: 0.4, totalMs: 1.2 } };
}

function timedOut(): ProbeResult {
  return { outcome: 'down', ok: false, layer: 'timeout', code: 'ETIMEDOUT', message: 'no complete answer within 10s (waiting for the response headers)', latencyMs: null, phases: { dnsMs: 0.4, connectMs: 20.5, totalMs: 10_000 } };
}

serveParent(
  { pid: process.pid },
  { run: () => run() },
  async () => {
    await app?.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  },
);
