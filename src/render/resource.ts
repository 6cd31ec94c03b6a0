import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** One public response, ready to send: bytes in each encoding, validators and type. */
export interface Resource {
  contentType: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
  /** Strong ETag of the identity bytes, without quotes; encodings append a suffix. */
  etag: string;
  /** When these bytes last changed (HTTP date precision: seconds). */
  lastModified: number;
  lastModifiedHttp: string;
}

/** Bodies under this size are not worth compressing; the encodings share the identity bytes. */
const MIN_COMPRESS = 512;

/**
 * Compresses in libuv's thread pool, off the event loop, so a rebuild never stalls requests that are
 * being served from the previous set of resources meanwhile.
 */
export async function makeResource(contentType: string, body: string, previous: Resource | undefined, now: number): Promise<Resource> {
  const identity = Buffer.from(body, 'utf8');
  const etag = createHash('sha256').update(identity).digest('base64url').slice(0, 27);
  if (previous && previous.etag === etag && previous.contentType === contentType) return previous;
  const small = identity.length < MIN_COMPRESS;
  const [gz, br] = small
    ? [identity, identity]
    : await Promise.all([
        gzipAsync(identity, { level: 9 }),
        brotliAsync(identity, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: 9,
            [constants.BROTLI_PARAM_MODE]: contentType.startsWith('application/json') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
            [constants.BROTLI_PARAM_SIZE_HINT]: identity.length,
          },
        }),
      ]);
  const lastModified = Math.floor(now / 1000) * 1000;
  return {
    contentType,
    identity,
    gzip: gz,
    br,
    etag,
    lastModified,
    lastModifiedHttp: new Date(lastModified).toUTCString(),
  };
}
