import type { Resource } from '../render/resource.js';

export type Encoding = 'br' | 'gzip' | 'identity';

/**
 * Browsers send a handful of distinct Accept-Encoding values; parsing one on every request of a
 * traffic spike is waste. Bounded: an attacker sending endless variants only empties it.
 */
const negotiated = new Map<string, Encoding>();

/** Picks br, then gzip, then identity from an Accept-Encoding header, honouring q=0. */
export function negotiateEncoding(header: string | undefined): Encoding {
  if (!header) return 'identity';
  let encoding = negotiated.get(header);
  if (encoding === undefined) {
    if (negotiated.size >= 256) negotiated.clear();
    negotiated.set(header, (encoding = parseAcceptEncoding(header)));
  }
  return encoding;
}

function parseAcceptEncoding(header: string): Encoding {
  const accepted = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    accepted.set(name, q ? Number(q.slice(2)) || 0 : 1);
  }
  const wants = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (wants('br')) return 'br';
  if (wants('gzip')) return 'gzip';
  return 'identity';
}

/**
 * The ETag sent for an encoding: each byte sequence gets its own strong validator, except a hot
 * page's quick brotli bytes, which its final ones replace: a weak one, "the same content".
 */
export function etagFor(resource: Resource, encoding: Encoding): string {
  if (encoding === 'identity') return `"${resource.etag}"`;
  return encoding === 'br' && !resource.settled ? `W/"${resource.etag}-br"` : `"${resource.etag}-${encoding}"`;
}

/**
 * RFC 9110 section 13.1: whether to answer 304, and with which ETag. If-None-Match wins over
 * If-Modified-Since. ETags compare weakly (a W/ prefix and the encoding suffix are ignored), as a
 * cache revalidating any encoding of the same bytes may; the 304 then carries the tag the client
 * sent, so that it matches a response the cache holds (RFC 9111 section 4.3.4). If-Modified-Since
 * counts only as a valid HTTP-date no later than now (section 13.1.3); anything else is ignored.
 * It is compared with the instant the bytes changed, not with Last-Modified's whole second: two
 * versions made in the same second share a Last-Modified, and a client holding the first must not
 * be told that it has the second (it gets the full answer; browsers send If-None-Match anyway).
 * Returns the ETag for the 304, or undefined for a full answer.
 */
export function notModified(resource: Resource, encoding: Encoding, ifNoneMatch: string | undefined, ifModifiedSince: string | undefined, now: number): string | undefined {
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return etagFor(resource, encoding);
    for (const raw of ifNoneMatch.split(',')) {
      const tag = raw.trim();
      const weak = tag.startsWith('W/');
      const quoted = (weak ? tag.slice(2) : tag).replace(/^"|"$/g, '');
      const suffix = /-(br|gzip)$/.exec(quoted)?.[0] ?? '';
      // Sent back well-formed, built from our own validator: nothing of the header is echoed as is.
      if (quoted.slice(0, quoted.length - suffix.length) === resource.etag) return `${weak ? 'W/' : ''}"${resource.etag}${suffix}"`;
    }
    return undefined;
  }
  if (ifModifiedSince !== undefined) {
    const since = parseHttpDate(ifModifiedSince);
    if (since !== undefined && since <= now && resource.changedAt <= since) return etagFor(resource, encoding);
  }
  return undefined;
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
/** The three forms RFC 9110 section 5.6.7 has recipients accept: IMF-fixdate, RFC 850, asctime. */
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC_850 = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`);
const ASCTIME = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`);

/** An HTTP-date in milliseconds, or undefined when the text is not one. */
export function parseHttpDate(text: string): number | undefined {
  const value = text.trim();
  let ms = Number.NaN;
  if (IMF_FIXDATE.test(value) || RFC_850.test(value)) ms = Date.parse(value);
  else if (ASCTIME.test(value)) ms = Date.parse(`${value} GMT`); // asctime has no zone: it is UTC
  return Number.isNaN(ms) ? undefined : ms;
}
