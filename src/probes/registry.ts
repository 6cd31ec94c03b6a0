import type { z } from 'zod';
import { dnsProbe, type DnsProbeConfig } from './dns.js';
import { heartbeatProbe, type HeartbeatProbeConfig } from './heartbeat.js';
import { httpProbe, type HttpProbeConfig } from './http.js';
import { tcpProbe, type TcpProbeConfig } from './tcp.js';
import { tlsProbe, type TlsProbeConfig } from './tls.js';
import type { ProbeKind } from './types.js';

export type ProbeConfig = HttpProbeConfig | DnsProbeConfig | TcpProbeConfig | TlsProbeConfig | HeartbeatProbeConfig;
export type ProbeType = ProbeConfig['type'];
export type NetworkProbeConfig = Exclude<ProbeConfig, HeartbeatProbeConfig>;

/** Every probe kind, keyed by its type: the compiler rejects a kind missing here. */
export const PROBE_KINDS: { [T in ProbeType]: ProbeKind<Extract<ProbeConfig, { type: T }>> } = {
  http: httpProbe,
  dns: dnsProbe,
  tcp: tcpProbe,
  tls: tlsProbe,
  heartbeat: heartbeatProbe,
};

export const PROBE_TYPES = Object.keys(PROBE_KINDS) as ProbeType[];

export function kindOf<T extends ProbeType>(type: T): ProbeKind<Extract<ProbeConfig, { type: T }>> {
  return PROBE_KINDS[type];
}

export type ProbeSchema = z.ZodType<ProbeConfig, unknown>;

export function isNetworkProbe(p: ProbeConfig): p is NetworkProbeConfig {
  return p.type !== 'heartbeat';
}
