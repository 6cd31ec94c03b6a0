import { z } from 'zod';
import { duration } from '../config/duration.js';

const ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
/** A DNS host name (labels of letters, digits, '-' and '_', 253 characters at most, optional trailing dot). */
export const HOSTNAME = new RegExp(`^(?=.{1,253}\\.?$)${LABEL}(?:\\.${LABEL})*\\.?$`, 'i');

/** Milliseconds since a performance.now() mark, to a hundredth. */
export const elapsed = (since: number): number => Math.round((performance.now() - since) * 100) / 100;

/**
 * Fields every probe has. Each kind extends this with its own (`probeBase.extend({ type: z.literal('http'), ... })`)
 * so that one strict schema per kind rejects unknown fields with their names.
 */
export const probeBase = z.strictObject({
  id: z.string().regex(ID, "expected a probe id: lower-case letters, digits, '-' or '_'"),
  /** The component whose status this probe drives. */
  component: z.string().regex(ID, 'expected a component id').optional(),
  /**
   * A control probe checks something outside the company (a public resolver, a large website):
   * when control probes fail, it is the prober's own network that is broken, not the services.
   */
  control: z.boolean().optional(),
  interval: duration({ min: 1000, max: 86_400_000 }).default(60_000),
  timeout: duration({ min: 100, max: 120_000 }).default(10_000),
  /** Consecutive failing results before the component's status changes. */
  fail_after: z.number().int().min(1).max(100).default(2),
  /** Consecutive passing results before it returns. */
  recover_after: z.number().int().min(1).max(100).default(2),
});

export const ipVersion = z
  .union([z.literal(4), z.literal(6), z.literal('any')])
  .default('any')
  .describe('address family to connect over: 4, 6 or any');

/** "host:port", "1.2.3.4", "[2001:db8::1]:5353" to host and port. */
export function splitHostPort(address: string, defaultPort: number): { host: string; port: number } | undefined {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(address);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  if (/^[0-9a-fA-F:]+$/.test(address) && address.includes(':') && address.split(':').length > 2) return { host: address, port: defaultPort };
  const plain = /^([^:\s\[\]]+)(?::(\d{1,5}))?$/.exec(address);
  if (!plain) return undefined;
  const port = plain[2] ? Number(plain[2]) : defaultPort;
  return port > 0 && port < 65536 ? { host: plain[1]!, port } : undefined;
}
