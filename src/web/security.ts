/**
 * Headers for every public response. The HTML policy allows only our own stylesheet and images: no
 * script at all, nothing from another host (a CDN may be part of the outage we are reporting).
 * `frame-ancestors 'none'` is what keeps the page out of frames; X-Frame-Options, which it
 * supersedes in every current browser, is not repeated on the public page (the admin pages keep
 * it). Every header here is one more line in each response of a traffic spike.
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
    'cross-origin-resource-policy': opts.html ? 'same-origin' : 'cross-origin',
  };
  if (opts.html) {
    headers['content-security-policy'] = PUBLIC_CSP;
    // Only documents have links and subresources to send a referrer with; JSON and feeds do not.
    headers['referrer-policy'] = 'strict-origin-when-cross-origin';
    // No `interest-cohort`: FLoC is gone and Chrome reports the token as an unrecognised feature.
    headers['permissions-policy'] = 'camera=(), microphone=(), geolocation=()';
  } else {
    headers['content-security-policy'] = "default-src 'none'; frame-ancestors 'none'";
  }
  if (opts.hsts) headers['strict-transport-security'] = 'max-age=31536000';
  return headers;
}
