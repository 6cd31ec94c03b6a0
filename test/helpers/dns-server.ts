/**
 * A tiny authoritative DNS server on loopback UDP for probe tests. It answers whatever the test's
 * `answers` function says, can be slowed (`delayMs`), silenced ('drop') or stopped mid-test. UDP
 * only: answers stay small, so resolvers never need to retry over TCP.
 */
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket, { type Answer } from 'dns-packet';

export interface DnsQuestion {
  name: string;
  type: string;
}

/** The record types the server can answer with; `name` defaults to the question's name. */
export type DnsRecord = { name?: string; ttl?: number } & (
  | { type: 'A' | 'AAAA' | 'CNAME' | 'NS'; data: string }
  | { type: 'MX'; data: { preference: number; exchange: string } }
  | { type: 'TXT'; data: string | string[] }
  | { type: 'SOA'; data: { mname: string; rname: string; serial: number } }
  | { type: 'CAA'; data: { flags?: number; tag: 'issue' | 'issuewild' | 'iodef'; value: string } }
);

export type DnsRcode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED';
export type DnsReply = { rcode?: DnsRcode; answers?: DnsRecord[] } | 'drop';
export type Answerer = (question: DnsQuestion) => DnsReply;

export interface DnsServer {
  /** "127.0.0.1:PORT" or "[::1]:PORT", as a dns probe's resolver address. */
  address: string;
  port: number;
  /** Every question received, dropped ones included. */
  queries: DnsQuestion[];
  setAnswers(answers: Answerer): void;
  close(): Promise<void>;
}

const RCODES: Record<DnsRcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };

export async function startDnsServer(opts: { host?: '127.0.0.1' | '::1'; answers: Answerer; delayMs?: number }): Promise<DnsServer> {
  const host = opts.host ?? '127.0.0.1';
  const socket = createSocket(host === '::1' ? 'udp6' : 'udp4');
  const queries: DnsQuestion[] = [];
  const pending = new Set<NodeJS.Timeout>();
  let answerer = opts.answers;

  socket.on('message', (message, peer) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: ignore, as a real server would
    }
    const question = query.questions?.[0];
    if (!question) return;
    queries.push({ name: question.name, type: question.type });
    const reply = answerer({ name: question.name, type: question.type });
    if (reply === 'drop') return;
    const packet = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | RCODES[reply.rcode ?? 'NOERROR'],
      questions: query.questions,
      answers: (reply.answers ?? []).map((record) => toAnswer(record, question.name)),
    });
    const send = () => socket.send(packet, peer.port, peer.address);
    if (!opts.delayMs) return send();
    const timer = setTimeout(() => {
      pending.delete(timer);
      send();
    }, opts.delayMs);
    pending.add(timer);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  const port = socket.address().port;
  let closed = false;

  return {
    address: host === '::1' ? `[::1]:${port}` : `${host}:${port}`,
    port,
    queries,
    setAnswers: (answers) => {
      answerer = answers;
    },
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      for (const timer of pending) clearTimeout(timer);
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

function toAnswer(record: DnsRecord, questionName: string): Answer {
  return { ...record, name: record.name ?? questionName, ttl: record.ttl ?? 60, class: 'IN' } as Answer;
}

/** Whether this machine can bind UDP on ::1 (containers often have IPv6 off). */
export async function canBindIPv6(): Promise<boolean> {
  const socket: Socket = createSocket('udp6');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '::1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    try {
      socket.close();
    } catch {
      // never bound: nothing to close
    }
  }
}
