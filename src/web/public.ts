import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Publisher } from '../render/publisher.js';
import type { Resource } from '../render/resource.js';
import { etagFor, negotiateEncoding, notModified, type Encoding } from './conditional.js';
import type { Clock } from '../util/time.js';
import { securityHeaders } from './security.js';

/** Short enough that a CDN in front follows an outage within seconds; stale copies cover our own outages. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=15, stale-while-revalidate=60, stale-if-error=86400';

/** Allowed in a preflight that names no headers of its own. */
const PREFLIGHT_HEADERS = 'Accept, Accept-Encoding, If-None-Match, If-Modified-Since, Cache-Control';
/** A comma-separated list of header names (RFC 9110 tokens), as Access-Control-Request-Headers carries. */
const HEADER_LIST = /^[!#$%&'*+.^`|~\w-]+(\s*,\s*[!#$%&'*+.^`|~\w-]+)*$/;

const API_PATHS = [
  '/api/v2/summary.json',
  '/api/v2/status.json',
  '/api/v2/components.json',
  '/api/v2/incidents.json',
  '/api/v2/incidents/unresolved.json',
  '/api/v2/scheduled-maintenances.json',
  '/api/v2/scheduled-maintenances/upcoming.json',
  '/api/v2/scheduled-maintenances/active.json',
];

/**
 * Every public GET is a lookup in the publisher's prebuilt bytes: no query, no template, and no
 * request header that can make it do more (Cache-Control: no-cache from a client revalidates with
 * the CDN, it does not reach past our snapshot).
 */
export async function publicRoutes(app: FastifyInstance, opts: { publisher: Publisher; secureTransport: boolean; clock: Clock }) {
  const { publisher } = opts;
  const html = securityHeaders({ html: true, hsts: opts.secureTransport });
  const data = securityHeaders({ html: false, hsts: opts.secureTransport });

  // Every header of a response is fixed once its bytes are: build each set once per resource and
  // encoding, and write it straight to the socket. This is the hot path of a traffic spike.
  const prepared = new WeakMap<Resource, Map<string, Record<string, string | number>>>();
  const headersFor = (resource: Resource, encoding: Encoding | 'not-found' | 'not-modified') => {
    let byEncoding = prepared.get(resource);
    if (!byEncoding) prepared.set(resource, (byEncoding = new Map()));
    let headers = byEncoding.get(encoding);
    if (!headers) {
      const isHtml = resource.contentType.startsWith('text/html');
      headers = { ...(isHtml ? html : data), ...(isHtml ? {} : { 'access-control-allow-origin': '*' }) };
      if (encoding === 'not-found') {
        Object.assign(headers, { 'cache-control': 'public, max-age=15', 'content-type': resource.contentType, 'content-length': resource.identity.length });
      } else {
        const sent = encoding === 'not-modified' ? 'identity' : encoding;
        Object.assign(headers, {
          'cache-control': PUBLIC_CACHE_CONTROL,
          vary: 'Accept-Encoding',
          'last-modified': resource.lastModifiedHttp,
        });
        if (encoding !== 'not-modified') {
          Object.assign(headers, {
            etag: etagFor(resource, sent),
            'content-type': resource.contentType,
            'content-length': bodyFor(resource, sent).length,
            ...(sent === 'identity' ? {} : { 'content-encoding': sent }),
          });
        }
      }
      byEncoding.set(encoding, headers);
    }
    return headers;
  };

  const send = (request: FastifyRequest, reply: FastifyReply, resource: Resource, status = 200) => {
    reply.hijack();
    const res = reply.raw;
    const head = request.method === 'HEAD';
    if (status !== 200) {
      res.writeHead(status, headersFor(resource, 'not-found'));
      res.end(head ? undefined : resource.identity);
      return;
    }
    const encoding: Encoding = resource.compressed ? negotiateEncoding(request.headers['accept-encoding']) : 'identity';
    const { 'if-none-match': ifNoneMatch, 'if-modified-since': ifModifiedSince } = request.headers;
    const matched = ifNoneMatch === undefined && ifModifiedSince === undefined ? undefined : notModified(resource, encoding, ifNoneMatch, ifModifiedSince, opts.clock());
    if (matched !== undefined) {
      res.writeHead(304, { ...headersFor(resource, 'not-modified'), etag: matched });
      res.end();
      return;
    }
    res.writeHead(200, headersFor(resource, encoding));
    res.end(head ? undefined : bodyFor(resource, encoding));
  };

  const serve = (key: string) => (request: FastifyRequest, reply: FastifyReply) => {
    const { resources, notFound } = publisher.current;
    const resource = resources.get(key);
    return resource ? send(request, reply, resource) : send(request, reply, notFound, 404);
  };

  app.get('/', serve('/'));
  app.get('/index.html', serve('/'));
  app.get('/history.rss', serve('/history.rss'));
  app.get('/history.atom', serve('/history.atom'));
  for (const path of API_PATHS) app.get(path, serve(path));

  app.get<{ Params: { id: string } }>('/incidents/:id', (request, reply) => serve(`/incidents/${request.params.id}`)(request, reply));

  app.get<{ Querystring: { page?: string } }>('/history', (request, reply) => {
    const page = request.query.page;
    if (page === undefined || page === '1') return serve('/history')(request, reply);
    if (!/^[1-9]\d{0,5}$/.test(page)) return serve('/history?page=invalid')(request, reply);
    return serve(`/history?page=${page}`)(request, reply);
  });

  // Public pages are read-only: another method is told so (405 with Allow), not "not found".
  const readOnly = ['/', '/index.html', '/history', '/history.rss', '/history.atom', '/incidents/:id', ...API_PATHS];
  for (const url of readOnly) app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url, handler: methodNotAllowed });

  // CORS preflight for the JSON API: browsers send it for GETs with headers of their own. The API
  // is public and read without credentials, so whatever headers a consumer's script adds are
  // allowed (echoed: the `*` wildcard does not cover Authorization, which some clients send anyway).
  app.options('/api/v2/*', (request, reply) => {
    const asked = request.headers['access-control-request-headers'];
    return reply
      .code(204)
      .header('access-control-allow-origin', '*')
      .header('access-control-allow-methods', 'GET, HEAD, OPTIONS')
      .header('access-control-allow-headers', asked && HEADER_LIST.test(asked) ? asked : PREFLIGHT_HEADERS)
      .header('access-control-max-age', '86400')
      .header('vary', 'Access-Control-Request-Headers')
      .send();
  });

  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/api/')) {
      // Open to other origins like the rest of v2, so that a script reads the 404, not a CORS error.
      const cors = request.url.startsWith('/api/v2/') ? { 'access-control-allow-origin': '*' } : {};
      return reply.code(404).headers({ ...data, ...cors }).send({ error: 'not_found', message: `no API route at ${request.method} ${request.url.split('?')[0]}` });
    }
    return send(request, reply, publisher.current.notFound, 404);
  });
}

function methodNotAllowed(request: FastifyRequest, reply: FastifyReply) {
  return reply
    .code(405)
    .header('allow', 'GET, HEAD')
    .header('cache-control', 'no-store')
    .send({ error: 'method_not_allowed', message: `${request.method} is not allowed here; expected GET or HEAD` });
}

function bodyFor(resource: Resource, encoding: Encoding): Buffer {
  return encoding === 'br' ? resource.br : encoding === 'gzip' ? resource.gzip : resource.identity;
}
