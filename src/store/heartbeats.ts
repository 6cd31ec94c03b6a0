import type { Statement } from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/open.js';
import type { HeartbeatPing } from '../probes/heartbeat.js';

/** 160 random bits, URL-safe: more than the 128 the contract asks for. */
export function newHeartbeatToken(): string {
  return randomBytes(20).toString('base64url');
}

/** Tokens are high-entropy random values, so an unsalted SHA-256 is a safe way to store them. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class HeartbeatStore {
  private readonly upsertToken: Statement;
  private readonly byHash: Statement;
  private readonly ping: Statement;
  private readonly last: Statement;
  private readonly all: Statement;

  constructor(db: Db) {
    this.upsertToken = db.prepare(`
      INSERT INTO heartbeats (probe_id, token_hash, token_hint, rotated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (probe_id) DO UPDATE SET token_hash = excluded.token_hash, token_hint = excluded.token_hint, rotated_at = excluded.rotated_at`);
    this.byHash = db.prepare(
      'SELECT h.probe_id FROM heartbeats h JOIN probes p ON p.id = h.probe_id WHERE h.token_hash = ? AND p.hidden = 0',
    );
    this.ping = db.prepare('UPDATE heartbeats SET last_ping_at = ?, last_ping_ok = ?, last_message = ? WHERE probe_id = ?');
    this.last = db.prepare('SELECT last_ping_at, last_ping_ok, last_message, token_hint, rotated_at FROM heartbeats WHERE probe_id = ?');
    this.all = db.prepare('SELECT probe_id, last_ping_at, last_ping_ok, last_message, token_hint, rotated_at FROM heartbeats');
  }

  /** Creates or replaces the probe's token; returns the token, which is never stored or shown again. */
  rotate(probeId: string, now: number): string {
    const token = newHeartbeatToken();
    this.upsertToken.run(probeId, hashToken(token), token.slice(0, 4), now);
    return token;
  }

  probeForToken(token: string): string | undefined {
    return (this.byHash.get(hashToken(token)) as { probe_id: string } | undefined)?.probe_id;
  }

  recordPing(probeId: string, ping: HeartbeatPing): void {
    this.ping.run(ping.at, ping.ok ? 1 : 0, ping.message, probeId);
  }

  lastPing(probeId: string): HeartbeatPing | undefined {
    const row = this.last.get(probeId) as { last_ping_at: number | null; last_ping_ok: number | null; last_message: string | null } | undefined;
    if (!row || row.last_ping_at === null) return undefined;
    return { at: row.last_ping_at, ok: row.last_ping_ok === 1, message: row.last_message };
  }

  /** Token hint and rotation time of every heartbeat, for the operator's view. */
  tokens(): Map<string, { hint: string; rotatedAt: number }> {
    return new Map(
      (this.all.all() as { probe_id: string; token_hint: string; rotated_at: number }[]).map((r) => [r.probe_id, { hint: r.token_hint, rotatedAt: r.rotated_at }]),
    );
  }
}
