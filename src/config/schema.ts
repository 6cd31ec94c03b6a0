import { z } from 'zod';
import { PROBE_KINDS, PROBE_TYPES, type ProbeConfig } from '../probes/registry.js';
import { duration } from './duration.js';
import { CHANNEL_KINDS, CHANNEL_TYPES, type ChannelConfig } from '../announce/registry.js';

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const id = (what: string) =>
  z.string().regex(ID, `expected ${what}: lower-case letters, digits, '-' or '_', starting with a letter or digit, at most 63 characters`);

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Group components get ids derived from their names ("API & Web" is group-api-web). The config
 * refuses a component id equal to one of them, and two group names that give the same id.
 */
export function groupId(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return `group-${slug || 'unnamed'}`;
}

export const AUTO_INCIDENT_MODES = ['off', 'draft', 'publish'] as const;
export type AutoIncidentMode = (typeof AUTO_INCIDENT_MODES)[number];
const autoIncidentError = 'expected off, draft (visible in the admin until an operator publishes it) or publish';

export const componentSchema = z.strictObject({
  id: id('a component id'),
  name: z.string().trim().min(1, 'expected a non-empty name').max(100, 'expected at most 100 characters'),
  description: z.string().max(500, 'expected at most 500 characters').optional(),
  group: z.string().trim().min(1, 'expected a group name').max(100, 'expected at most 100 characters').optional(),
  depends_on: z.array(id('a component id')).optional(),
  only_show_if_degraded: z.boolean().optional(),
  showcase: z.boolean().optional().describe('show the 90-day uptime bars'),
  start_date: z.iso.date('expected a date as YYYY-MM-DD').optional(),
  show_latency: z.boolean().optional().describe('show a response-time chart from its probes'),
  /** Overrides monitoring.auto_incidents for this component. */
  auto_incident: z.enum(AUTO_INCIDENT_MODES, { error: autoIncidentError }).optional(),
});

const probeTypeError = `expected a probe type: one of ${PROBE_TYPES.join(', ')}`;
const probeSchemas = Object.values(PROBE_KINDS).map((kind) => kind.schema) as unknown as [z.ZodObject, ...z.ZodObject[]];
export const probeSchema = z.discriminatedUnion('type', probeSchemas, { error: probeTypeError }) as unknown as z.ZodType<ProbeConfig, unknown>;

const channelTypeError = `expected a channel type: one of ${CHANNEL_TYPES.join(', ')}`;
const channelSchemas = Object.values(CHANNEL_KINDS).map((kind) => kind.schema) as unknown as [z.ZodObject, ...z.ZodObject[]];
/** One entry under `announce:`, checked by the schema of its `type` (unknown fields are rejected by name). */
export const channelSchema = z.discriminatedUnion('type', channelSchemas, { error: channelTypeError }) as unknown as z.ZodType<ChannelConfig, unknown>;

export const monitoringSchema = z.strictObject({
  /** Probes in flight at once, across all probes. */
  concurrency: z.number().int().min(1).max(2000).default(64),
  raw_retention: duration({ min: 3_600_000, max: 30 * 86_400_000 }).default(48 * 3_600_000),
  rollup_retention: duration({ min: 400 * 86_400_000, max: 3650 * 86_400_000 }).default(400 * 86_400_000),
  /** Share of probes failing at the same moment that marks the prober itself as impaired. */
  impaired_when_failing: z.number().min(0.5).max(1).default(0.8),
  /** The share rule applies only with at least this many probes. */
  impaired_min_probes: z.number().int().min(2).max(10_000).default(5),
  /**
   * When a component's automated status turns to partial or major outage: open no incident, a
   * draft for an operator to publish, or a published incident. Per component with auto_incident.
   */
  auto_incidents: z.enum(AUTO_INCIDENT_MODES, { error: autoIncidentError }).default('off'),
  /** What an automatic incident does when its component's probes recover. */
  auto_incident_recovery: z.enum(['monitoring', 'resolved'], { error: 'expected monitoring or resolved' }).default('resolved'),
});

export const pageSchema = z.strictObject({
  id: id('a page id'),
  name: z.string().trim().min(1, 'expected a non-empty page name').max(100),
  url: z
    .url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL, e.g. https://status.acme.example' })
    // Links are built by appending paths to it, and it is published: no query, fragment or credentials.
    .refine((u) => {
      const url = new URL(u);
      return !url.search && !url.hash && !url.username && !url.password;
    }, 'expected the page\'s base URL without a query, fragment or user:password, e.g. https://status.acme.example'),
  time_zone: z
    .string()
    .refine(isTimeZone, 'expected an IANA time zone such as Europe/Zurich or Etc/UTC')
    .default('Etc/UTC'),
  description: z.string().max(500).optional(),
  support_url: z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' }).optional(),
});

export const configSchema = z
  .strictObject({
    page: pageSchema,
    components: z.array(componentSchema).min(1, 'expected at least one component'),
    probes: z.array(probeSchema).default([]),
    monitoring: monitoringSchema.default(() => monitoringSchema.parse({})),
    announce: z.array(channelSchema).default([]),
  })
  .superRefine((config, ctx) => {
    const ids = new Map<string, number>();
    config.components.forEach((c, i) => {
      const first = ids.get(c.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['components', i, 'id'], message: `duplicate component id "${c.id}" (also components[${first}])` });
      } else ids.set(c.id, i);
    });
    const groups = new Map<string, { name: string; index: number }>();
    config.components.forEach((c, i) => {
      if (!c.group) return;
      const gid = groupId(c.group);
      const other = groups.get(gid);
      if (other && other.name !== c.group) {
        ctx.addIssue({ code: 'custom', path: ['components', i, 'group'], message: `group "${c.group}" would share the id "${gid}" with group "${other.name}" (components[${other.index}]); expected the same name for the same group, or names that differ in letters or digits` });
      } else if (!other) groups.set(gid, { name: c.group, index: i });
    });
    config.components.forEach((c, i) => {
      const group = groups.get(c.id);
      if (group) ctx.addIssue({ code: 'custom', path: ['components', i, 'id'], message: `"${c.id}" is the id of group "${group.name}" (components[${group.index}].group); expected another id` });
    });
    config.components.forEach((c, i) => {
      const listed = new Set<string>();
      c.depends_on?.forEach((dep, j) => {
        if (listed.has(dep)) {
          ctx.addIssue({ code: 'custom', path: ['components', i, 'depends_on', j], message: `"${dep}" is listed twice; expected each dependency once` });
          return;
        }
        listed.add(dep);
        if (dep === c.id) {
          ctx.addIssue({ code: 'custom', path: ['components', i, 'depends_on', j], message: 'a component cannot depend on itself' });
        } else if (!ids.has(dep)) {
          ctx.addIssue({
            code: 'custom',
            path: ['components', i, 'depends_on', j],
            message: `unknown component "${dep}"; expected one of: ${[...ids.keys()].join(', ')}`,
          });
        }
      });
    });
    const probeIds = new Map<string, number>();
    config.probes.forEach((p, i) => {
      const first = probeIds.get(p.id);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['probes', i, 'id'], message: `duplicate probe id "${p.id}" (also probes[${first}])` });
      else probeIds.set(p.id, i);
      if (p.control && p.component) {
        ctx.addIssue({ code: 'custom', path: ['probes', i, 'control'], message: 'a control probe checks the prober\'s own network; it cannot drive a component' });
      } else if (!p.control && !p.component) {
        ctx.addIssue({ code: 'custom', path: ['probes', i, 'component'], message: `missing; expected the id of the component this probe drives (one of: ${[...ids.keys()].join(', ')}), or control: true` });
      } else if (p.component && !ids.has(p.component)) {
        ctx.addIssue({ code: 'custom', path: ['probes', i, 'component'], message: `unknown component "${p.component}"; expected one of: ${[...ids.keys()].join(', ')}` });
      }
      if (p.control && p.type === 'heartbeat') {
        ctx.addIssue({ code: 'custom', path: ['probes', i, 'control'], message: 'a heartbeat cannot be a control probe; expected http, dns, tcp or tls' });
      }
      if (p.type !== 'heartbeat' && p.timeout > p.interval) {
        ctx.addIssue({ code: 'custom', path: ['probes', i, 'timeout'], message: `expected a timeout no longer than the interval (${p.interval} ms), so runs never overlap` });
      }
    });
    checkChannels(config.announce, [...ids.keys()], ctx);
    const cycle = findDependencyCycle(config.components);
    if (cycle) {
      const i = config.components.findIndex((c) => c.id === cycle[0]);
      ctx.addIssue({
        code: 'custom',
        path: ['components', i, 'depends_on'],
        message: `dependency cycle ${cycle.join(' -> ')}; dependencies must form a tree pointing at root causes`,
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type ComponentConfig = z.infer<typeof componentSchema>;
export type PageConfig = z.infer<typeof pageSchema>;

/** Channel ids are unique (the outbox and the admin name channels by id); filters name known components. */
function checkChannels(channels: ChannelConfig[], componentIds: string[], ctx: z.core.$RefinementCtx): void {
  const seen = new Map<string, number>();
  channels.forEach((c, i) => {
    const first = seen.get(c.id);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['announce', i, 'id'], message: `duplicate channel id "${c.id}" (also announce[${first}])` });
    else seen.set(c.id, i);
    c.components?.forEach((id, j) => {
      if (!componentIds.includes(id)) {
        ctx.addIssue({ code: 'custom', path: ['announce', i, 'components', j], message: `unknown component "${id}"; expected one of: ${componentIds.join(', ')}` });
      }
    });
  });
}

function findDependencyCycle(components: { id: string; depends_on?: string[] | undefined }[]): string[] | undefined {
  const edges = new Map(components.map((c) => [c.id, c.depends_on ?? []]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!edges.has(next) || next === node) continue; // unknown ids and self-references are reported on their own
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const c of components) {
    const found = visit(c.id);
    if (found) return found;
  }
  return undefined;
}
