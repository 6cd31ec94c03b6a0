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
 * RFC 9110 section 13.1: If-None-Match wins over If-Modified-Since. ETags compare weakly (a W/ prefix
 * and the encoding suffix are ignored), as a cache revalidating any encoding of the same bytes may.
 */
export function isNotModified(resource: Resource, ifNoneMatch: string | undefined, ifModifiedSince: string | undefined): boolean {
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    return ifNoneMatch.split(',').some((tag) => {
      const opaque = tag.trim().replace(/^W\//, '').replace(/^"|"$/g, '').replace(/-(br|gzip)$/, '');
      return opaque === resource.etag;
    });
  }
  if (ifModifiedSince !== undefined) {
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && resource.lastModified <= since;
  }
  return false;
}
