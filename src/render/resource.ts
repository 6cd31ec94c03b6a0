import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * Below this size a body is compressed synchronously: a fraction of a millisecond, where the
 * asynchronous stream machinery alone costs more than that on the main thread. Larger bodies go to
 * libuv's thread pool so a big page never stalls the requests being served meanwhile.
 */
const SYNC_BELOW = 8 * 1024;

/** One public response, ready to send: bytes in each encoding, validators and type. */
export interface Resource {
  contentType: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
  /**
   * False for a body too small to be worth compressing: it is sent as it is whatever the client
   * accepts, and gzip and br hold the identity bytes.
   */
  compressed: boolean;
  /** Strong ETag of the identity bytes, without quotes; encodings append a suffix. */
  etag: string;
  /** When these bytes last changed, to the millisecond; Last-Modified says the second. */
  changedAt: number;
  /** When these bytes last changed (HTTP date precision: seconds). */
  lastModified: number;
  lastModifiedHttp: string;
  /** The text the bytes were made from: an identical rebuild is recognised without hashing. */
  source: string;
  /**
   * False while a hot resource's brotli bytes are its quick first compression; settleResource()
   * makes its final ones. The quick bytes carry a weak ETag: the same content, other bytes later.
   */
  settled: boolean;
}

/** Bodies under this size are not worth compressing; the encodings share the identity bytes. */
const MIN_COMPRESS = 512;

/**
 * The hot resource, the front page every visitor of a traffic spike loads, is compressed twice.
 * First as quickly as any large body (quality 6 on the benchmark's 186 KB page: 11.7 KB, 4 ms),
 * so that a change is served at once; then, once it has stayed unchanged for a while
 * (Publisher.settle), as hard as brotli goes: quality 11, 9.8 KB for 350-450 ms of one thread-pool
 * thread (quality 10: 10.4 KB in 80-130 ms). The hard pass pays off only on bytes served many
 * times: measured here with a status change every second, compressing every version at quality 10
 * cost the server 5-25 us more CPU per request than serving quality 5's larger bytes (about 8%
 * fewer requests/s). Once settled, every visitor gets the smaller bytes, and on loopback each KB
 * less of the front page is about 2% more requests per second for both ends together.
 *
 * Quality 11's memory follows the input and the window (its Zopfli-like search keeps a node per
 * input byte): 8.7 MB at its peak for the benchmark's page with a 128 KB window, 11.3 MB with the
 * 256 KB one the general rule would pick, for 0.3% more bytes. So the settle pass uses a window
 * one step below the body's size (never below 64 KB), and bodies above SETTLE_MAX_BYTES get
 * quality 10, whose tables do not grow with the input. Bounded, so that a pathological page cannot
 * hold the pool for seconds.
 */
const SETTLE_QUALITY = 11;
const SETTLE_MAX_BYTES = 256 * 1024;
const HOT_MAX_BYTES = 1024 * 1024;

/**
 * Builds a resource, or returns the previous one when its bytes did not change (same ETag and
 * Last-Modified). `hot`: the resource most requests are for, to be settled (see SETTLE_QUALITY).
 */
export async function makeResource(contentType: string, body: string, previous: Resource | undefined, now: number, opts: { hot?: boolean } = {}): Promise<Resource> {
  if (previous && previous.source === body && previous.contentType === contentType) return previous;
  const identity = Buffer.from(body, 'utf8');
  const etag = createHash('sha256').update(identity).digest('base64url').slice(0, 27);
  if (previous && previous.etag === etag && previous.contentType === contentType) return { ...previous, source: body };
  const compressed = identity.length >= MIN_COMPRESS;
  const [gz, br] = compressed ? await compress(identity, contentType, opts.hot === true) : [identity, identity];
  const lastModified = Math.floor(now / 1000) * 1000;
  return {
    contentType,
    identity,
    compressed,
    gzip: gz,
    br,
    etag,
    changedAt: now,
    lastModified,
    lastModifiedHttp: new Date(lastModified).toUTCString(),
    source: body,
    settled: !(opts.hot === true && worthSettling(identity)),
  };
}

/** The resource with its final brotli bytes (the same one if it has them already). */
export async function settleResource(resource: Resource): Promise<Resource> {
  if (resource.settled) return resource;
  const { identity, contentType } = resource;
  const hardest = identity.length <= SETTLE_MAX_BYTES;
  const options = brotliOptions(identity, contentType, hardest ? SETTLE_QUALITY : SETTLE_QUALITY - 1, hardest ? -1 : 0);
  const br = exact(await brotliAsync(identity, options));
  return { ...resource, br, settled: true };
}

/**
 * Large bodies (the front page, incidents.json) are compressed again on every status change: a
 * lighter quality keeps publishing cheap. Above 64 KB brotli's quality 7 and up hash with 8 MB of
 * tables, 6 with 4 MB; with the memory setting of production (MALLOC_MMAP_THRESHOLD_, Dockerfile)
 * they are mapped fresh for each body, and faulting them in costs more than the compression: on
 * the benchmark's front page quality 7 took 10-12 ms of CPU (7 of them in the kernel) for 11.9 KB,
 * 6 takes about 4 for 12.1 KB (the settle pass makes the front page's final bytes anyway); on
 * incidents.json 10 ms against 3 for 0.5% more bytes. Below 64 KB the window, and the tables, are
 * small: quality 8 gives the bytes of 9 (summary.json: 2022 against 2020) in half the time.
 */
const qualityFor = (identity: Buffer) => (identity.length < 64 * 1024 ? 8 : 6);

const worthSettling = (identity: Buffer) => identity.length >= MIN_COMPRESS && identity.length <= HOT_MAX_BYTES;

/** `windowStep`: the window's size in powers of two from the rule below (-1: half as large). */
function brotliOptions(identity: Buffer, contentType: string, quality: number, windowStep = 0) {
  return {
    params: {
      [constants.BROTLI_PARAM_MODE]: contentType.startsWith('application/json') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: identity.length,
      // A window just big enough for the body: the encoder's memory and set-up time follow it.
      [constants.BROTLI_PARAM_LGWIN]: Math.min(24, Math.max(16, Math.ceil(Math.log2(identity.length)) + windowStep)),
      [constants.BROTLI_PARAM_QUALITY]: quality,
    },
  };
}

async function compress(identity: Buffer, contentType: string, hot: boolean): Promise<[gzip: Buffer, br: Buffer]> {
  const brotli = brotliOptions(identity, contentType, qualityFor(identity));
  if (identity.length < SYNC_BELOW) return [exact(gzipSync(identity, { level: 9 })), exact(brotliCompressSync(identity, brotli))];
  // gzip's level 9 costs the hot page 2 ms more than level 6, for 6% fewer bytes.
  const [gz, br] = await Promise.all([gzipAsync(identity, { level: hot ? 9 : 6 }), brotliAsync(identity, brotli)]);
  return [exact(gz), exact(br)];
}

/**
 * zlib hands back its output as a view of its 8 or 16 KB working buffer: kept for the life of a
 * snapshot, 300 incident pages in two encodings would hold 10 MB for 0.7 MB of bytes. Large slack
 * is copied away into a buffer of the exact size.
 */
function exact(buffer: Buffer): Buffer {
  if (buffer.buffer.byteLength - buffer.length < 1024) return buffer;
  const copy = new Uint8Array(buffer);
  return Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength);
}
