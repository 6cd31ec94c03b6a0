/**
 * Headers for every public response. The HTML policy allows only our own stylesheet and images: no
 * script at all, nothing from another host (a CDN may be part of the outage we are reporting).
 *
 * Every header here is one more line in each response of a traffic spike (about 3,000 instructions
 * in Node's writeHead, and as much again in the client), so the public set keeps only the lines
 * that change what a browser does with this content:
 * - the CSP, which also keeps the page out of frames (`frame-ancestors 'none'` supersedes
 *   X-Frame-Options in every current browser) and, with `default-src 'none'` and no script-src,
 *   leaves no script and no frame that could ask for a permission: a Permissions-Policy header
 *   would have nothing to deny;
 * - nosniff;
 * - HSTS behind https.
 * The referrer policy is a `<meta name="referrer">` in the page head (views/layout.eta): the same
 * policy for the document, in bytes that cost nothing per request. No Cross-Origin-Resource-Policy:
 * everything here is public and served without credentials, so there is nothing for it to keep
 * from another site's process; the JSON is read through CORS, which CORP does not govern. The
 * admin, behind a session cookie, keeps the full set (src/auth/guards.ts).
 */
export const PUBLIC_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(opts: { html: boolean; hsts: boolean }): Record<string, string> {
  const headers: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'content-security-policy': opts.html ? PUBLIC_CSP : "default-src 'none'; frame-ancestors 'none'",
  };
  if (opts.hsts) headers['strict-transport-security'] = 'max-age=31536000';
  return headers;
}
