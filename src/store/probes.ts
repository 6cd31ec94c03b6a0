import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open.js';
import type { ConfirmationState } from '../monitoring/confirmation.js';
import type { Outcome, ProbeResult } from '../probes/types.js';
import { HOUR } from '../util/time.js';

export interface ProbeRow {
  id: string;
  componentId: string | null;
  type: string;
  control: boolean;
}

export interface ProbeStateRow extends ConfirmationState {
  probeId: string;
  confirmedSince: number;
  lastRunAt: number | null;
  lastResult: ProbeResult | null;
}

export interface RecordedResult {
  probeId: string;
  at: number;
  result: ProbeResult;
  state: ConfirmationState;
  /** Set when the confirmed outcome changed with this result. */
  confirmedChanged: boolean;
}

export interface HourlyRollup {
  probeId: string;
  hour: number;
  count: number;
  failures: number;
  latencyMean: number | null;
  latencyMin: number | null;
  latencyMax: number | null;
  latencyP95: number | null;
}

const FAILING = new Set<Outcome>(['down', 'partial']);

/** Probes, their confirmation state, raw results and hourly rollups: all probe SQL lives here. */
export class ProbeStore {
  private readonly upsertProbe: Statement;
  private readonly hideOthers: Statement;
  private readonly ensureState: Statement;
  private readonly selectProbes: Statement;
  private readonly selectStates: Statement;
  private readonly insertResult: Statement;
  private readonly upsertHourly: Statement;
  private readonly updateState: Statement;
  private readonly openHours: Statement;
  private readonly hourLatencies: Statement;
  private readonly setP95: Statement;
  private readonly pruneRaw: Statement;
  private readonly pruneHourly: Statement;
  private readonly hourlyForProbes: Statement;

  constructor(private readonly db: Db) {
    this.upsertProbe = db.prepare(`
      INSERT INTO probes (id, component_id, type, control, hidden, created_at) VALUES (@id, @component_id, @type, @control, 0, @now)
      ON CONFLICT (id) DO UPDATE SET component_id = excluded.component_id, type = excluded.type, control = excluded.control, hidden = 0`);
    this.hideOthers = db.prepare('UPDATE probes SET hidden = 1 WHERE id NOT IN (SELECT value FROM json_each(?))');
    this.ensureState = db.prepare('INSERT OR IGNORE INTO probe_state (probe_id, confirmed_since) VALUES (?, ?)');
    this.selectProbes = db.prepare('SELECT id, component_id, type, control FROM probes WHERE hidden = 0 ORDER BY id');
    this.selectStates = db.prepare('SELECT s.* FROM probe_state s JOIN probes p ON p.id = s.probe_id WHERE p.hidden = 0');
    this.insertResult = db.prepare('INSERT INTO probe_results (probe_id, at, outcome, latency_ms, layer, code) VALUES (?, ?, ?, ?, ?, ?)');
    this.upsertHourly = db.prepare(`
      INSERT INTO probe_hourly (probe_id, hour, count, failures, latency_count, latency_sum, latency_min, latency_max)
      VALUES (@probe_id, @hour, 1, @failed, @has_latency, coalesce(@latency, 0), @latency, @latency)
      ON CONFLICT (probe_id, hour) DO UPDATE SET
        count = count + 1, failures = failures + excluded.failures,
        latency_count = latency_count + excluded.latency_count, latency_sum = latency_sum + excluded.latency_sum,
        latency_min = min(coalesce(latency_min, excluded.latency_min), coalesce(excluded.latency_min, latency_min)),
        latency_max = max(coalesce(latency_max, excluded.latency_max), coalesce(excluded.latency_max, latency_max))`);
    this.updateState = db.prepare(`
      UPDATE probe_state SET confirmed = @confirmed, streak_outcome = @streak_outcome, streak = @streak, last_run_at = @at,
        last_result = @last_result, confirmed_since = CASE WHEN @changed THEN @at ELSE confirmed_since END
      WHERE probe_id = @probe_id`);
    this.openHours = db.prepare('SELECT probe_id, hour FROM probe_hourly WHERE latency_p95 IS NULL AND hour < ? LIMIT ?');
    this.hourLatencies = db.prepare(
      'SELECT latency_ms FROM probe_results WHERE probe_id = ? AND at >= ? AND at < ? AND latency_ms IS NOT NULL ORDER BY latency_ms',
    );
    this.setP95 = db.prepare('UPDATE probe_hourly SET latency_p95 = ? WHERE probe_id = ? AND hour = ?');
    this.pruneRaw = db.prepare('DELETE FROM probe_results WHERE id IN (SELECT id FROM probe_results WHERE at < ? ORDER BY at LIMIT ?)');
    this.pruneHourly = db.prepare('DELETE FROM probe_hourly WHERE (probe_id, hour) IN (SELECT probe_id, hour FROM probe_hourly WHERE hour < ? LIMIT ?)');
    this.hourlyForProbes = db.prepare(
      'SELECT * FROM probe_hourly WHERE hour >= ? AND probe_id IN (SELECT value FROM json_each(?)) ORDER BY probe_id, hour',
    );
  }

  /** Declared probes in, removed ones hidden (their history stays); every probe gets a confirmation state. */
  syncFromConfig(probes: { id: string; component?: string | undefined; type: string; control?: boolean | undefined }[], now: number): void {
    this.db.transaction(() => {
      for (const p of probes) {
        this.upsertProbe.run({ id: p.id, component_id: p.component ?? null, type: p.type, control: p.control ? 1 : 0, now });
        this.ensureState.run(p.id, now);
      }
      this.hideOthers.run(JSON.stringify(probes.map((p) => p.id)));
    })();
  }

  list(): ProbeRow[] {
    return (this.selectProbes.all() as { id: string; component_id: string | null; type: string; control: number }[]).map((r) => ({
      id: r.id,
      componentId: r.component_id,
      type: r.type,
      control: r.control === 1,
    }));
  }

  states(): ProbeStateRow[] {
    return (this.selectStates.all() as Record<string, unknown>[]).map((r) => ({
      probeId: r.probe_id as string,
      confirmed: r.confirmed as Outcome,
      confirmedSince: r.confirmed_since as number,
      streakOutcome: r.streak_outcome as Outcome,
      streak: r.streak as number,
      lastRunAt: r.last_run_at as number | null,
      lastResult: r.last_result ? (JSON.parse(r.last_result as string) as ProbeResult) : null,
    }));
  }

  /** Writes a batch of results: raw rows, hourly rollups and confirmation states. Call inside a transaction. */
  record(batch: RecordedResult[]): void {
    for (const { probeId, at, result, state, confirmedChanged } of batch) {
      this.insertResult.run(probeId, at, result.outcome, result.latencyMs, result.layer ?? null, result.code ?? null);
      this.upsertHourly.run({
        probe_id: probeId,
        hour: Math.floor(at / HOUR) * HOUR,
        failed: FAILING.has(result.outcome) ? 1 : 0,
        has_latency: result.latencyMs === null ? 0 : 1,
        latency: result.latencyMs,
      });
      this.updateState.run({
        probe_id: probeId,
        confirmed: state.confirmed,
        streak_outcome: state.streakOutcome,
        streak: state.streak,
        at,
        last_result: JSON.stringify(result),
        changed: confirmedChanged ? 1 : 0,
      });
    }
  }

  /**
   * Fills in p95 for up to `limit` probe-hours that are over, from the raw results (kept long enough
   * for that); returns how many. Housekeeping calls it in small slices so the page keeps being served.
   */
  finalizeHours(now: number, limit = 5000): number {
    const open = this.openHours.all(Math.floor(now / HOUR) * HOUR, limit) as { probe_id: string; hour: number }[];
    this.db.transaction(() => {
      for (const { probe_id, hour } of open) {
        const values = (this.hourLatencies.all(probe_id, hour, hour + HOUR) as { latency_ms: number }[]).map((r) => r.latency_ms);
        this.setP95.run(values.length ? percentile(values, 0.95) : 0, probe_id, hour);
      }
    })();
    return open.length;
  }

  /** Deletes up to `limit` expired raw results and rollups; returns how many rows went. */
  prune(now: number, rawRetentionMs: number, rollupRetentionMs: number, limit = Number.MAX_SAFE_INTEGER): number {
    return this.db.transaction(
      () => this.pruneRaw.run(now - rawRetentionMs, limit).changes + this.pruneHourly.run(now - rollupRetentionMs, limit).changes,
    )();
  }

  hourly(probeIds: string[], since: number): HourlyRollup[] {
    return (this.hourlyForProbes.all(since, JSON.stringify(probeIds)) as Record<string, number | string | null>[]).map((r) => ({
      probeId: r.probe_id as string,
      hour: r.hour as number,
      count: r.count as number,
      failures: r.failures as number,
      latencyMean: (r.latency_count as number) > 0 ? (r.latency_sum as number) / (r.latency_count as number) : null,
      latencyMin: r.latency_min as number | null,
      latencyMax: r.latency_max as number | null,
      latencyP95: r.latency_p95 as number | null,
    }));
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
