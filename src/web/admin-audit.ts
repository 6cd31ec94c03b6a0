import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { AuditActor } from '../auth/audit-store.js';
import { requireRole } from '../auth/guards.js';
import { AdminViews } from '../auth/views.js';
import type { Store } from '../store/index.js';
import { formatHelpers } from './admin-format.js';

export interface AdminAuditOptions {
  store: Store;
  pageName: string;
}

export const AUDIT_PAGE_SIZE = 50;
/** A value longer than this is cut: a whole incident body would drown the row. */
const MAX_VALUE = 300;

/** One changed key: its value before and after as JSON text; null where the key was absent. */
export interface DiffRow {
  key: string;
  before: string | null;
  after: string | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/**
 * What an entry changed, key by key, for people to read:
 *
 *   before         after          rows
 *   object         object         keys whose values differ (added and removed keys included)
 *   null           object         every key of after, nothing before
 *   object         null           every key of before, nothing after
 *   other values   other values   one row, key '', when they differ
 *
 * Values stay JSON text; the template escapes them like any other operator-written text.
 */
export function auditDiff(before: unknown, after: unknown): DiffRow[] {
  const b = before ?? null;
  const a = after ?? null;
  if ((isRecord(b) || b === null) && (isRecord(a) || a === null)) {
    const keys = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])];
    return keys.flatMap((key) => {
      const had = b !== null && key in b;
      const has = a !== null && key in a;
      const from = had ? show(b[key]) : null;
      const to = has ? show(a[key]) : null;
      return from === to ? [] : [{ key, before: from, after: to }];
    });
  }
  const from = b === null ? null : show(b);
  const to = a === null ? null : show(a);
  return from === to ? [] : [{ key: '', before: from, after: to }];
}

const ACTOR_KINDS: Record<AuditActor['kind'], string> = { operator: 'operator', api_key: 'API key', system: 'Outpost', anonymous: 'unknown' };

/** "1795376675655.42" -> the entry it names; anything else is the first page. */
function cursor(raw: unknown): { at: number; id: number } | undefined {
  if (typeof raw !== 'string') return undefined;
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(raw);
  return match ? { at: Number(match[1]), id: Number(match[2]) } : undefined;
}

const filterText = (raw: unknown, max: number) => (typeof raw === 'string' ? raw.trim().slice(0, max) : '');

/** GET /admin/audit: the audit log, newest first, 50 a page, by entity type or actor. Admins only. */
export function adminAudit(opts: AdminAuditOptions): FastifyPluginAsync {
  return async (admin: FastifyInstance) => {
    const { store } = opts;
    const views = new AdminViews(opts.pageName);
    admin.get('/audit', { preHandler: requireRole('admin') }, async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const filters = { type: filterText(query.type, 100), actor: filterText(query.actor, 254) };
      const before = cursor(query.before);
      const found = store.audit.query({ entityType: filters.type || undefined, actorName: filters.actor || undefined, before, limit: AUDIT_PAGE_SIZE + 1 });
      const entries = found.slice(0, AUDIT_PAGE_SIZE);
      const last = entries.at(-1);
      const link = (extra: Record<string, string>) => {
        const params = new URLSearchParams();
        if (filters.type) params.set('type', filters.type);
        if (filters.actor) params.set('actor', filters.actor);
        for (const [k, v] of Object.entries(extra)) params.set(k, v);
        const qs = params.toString();
        return `/admin/audit${qs ? `?${qs}` : ''}`;
      };
      return views.send(request, reply, 200, 'audit', 'Audit log', {
        entries: entries.map((e) => ({ ...e, diff: auditDiff(e.before, e.after) })),
        filters,
        entityTypes: store.audit.entityTypes(),
        older: found.length > AUDIT_PAGE_SIZE && last ? link({ before: `${last.at}.${last.id}` }) : null,
        newest: before ? link({}) : null,
        actorKind: (kind: AuditActor['kind']) => ACTOR_KINDS[kind] ?? kind,
        ...formatHelpers,
      }, 'audit');
    });
  };
}
