import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeResource, settleResource } from '../../src/render/resource.js';

/** A page-like body of about `bytes`: repetitive markup with varying numbers, as the bars are. */
function page(bytes: number): string {
  let html = '<!doctype html><ol class="bars">';
  for (let i = 0; html.length < bytes; i++) html += `<li class="u-${i % 7 ? 'op' : 'mo'}"><span>Day ${i}: ${((i * 7919) % 10000) / 100}% uptime</span></li>`;
  return html + '</ol>';
}

const brotli = (body: Buffer, quality: number, lgwin: number) =>
  brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      [constants.BROTLI_PARAM_LGWIN]: lgwin,
      [constants.BROTLI_PARAM_QUALITY]: quality,
    },
  });

describe('settling the hot resource', () => {
  it.each([
    // The benchmark's front page is about 186 KB: quality 11 with a window half the general rule's.
    { bytes: 190_000, quality: 11, lgwin: 17 },
    // Above 256 KB quality 11's memory grows with the input: quality 10 with the general window.
    { bytes: 300_000, quality: 10, lgwin: 19 },
  ])('compresses $bytes bytes at quality $quality with a 2^$lgwin window', async ({ bytes, quality, lgwin }) => {
    const quick = await makeResource('text/html; charset=utf-8', page(bytes), undefined, 0, { hot: true });
    expect(quick.settled).toBe(false);
    const settled = await settleResource(quick);
    expect(settled.settled).toBe(true);
    expect(brotliDecompressSync(settled.br).equals(quick.identity)).toBe(true);
    expect(settled.br.equals(brotli(quick.identity, quality, lgwin))).toBe(true);
    expect(settled.br.length).toBeLessThan(quick.br.length);
    // Only the brotli bytes change: the same content, validators and other encodings.
    expect([settled.etag, settled.gzip, settled.identity]).toEqual([quick.etag, quick.gzip, quick.identity]);
  });

  it('leaves other resources as they were made', async () => {
    const resource = await makeResource('text/html; charset=utf-8', page(20_000), undefined, 0);
    expect(resource.settled).toBe(true);
    expect(await settleResource(resource)).toBe(resource);
  });
});
