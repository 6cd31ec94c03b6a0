/**
 * Headers for every public response. The HTML policy allows only our own stylesheet and images: no
 * script at all, nothing from another host (a CDN may be part of the outage we are reporting).
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
    'referrer-policy': 'strict-origin-when-cross-origin',
    'cross-origin-resource-policy': opts.html ? 'same-origin' : 'cross-origin',
  };
  if (opts.html) {
    headers['content-security-policy'] = PUBLIC_CSP;
    headers['x-frame-options'] = 'DENY';
    headers['permissions-policy'] = 'camera=(), microphone=(), geolocation=(), interest-cohort=()';
  } else {
    headers['content-security-policy'] = "default-src 'none'; frame-ancestors 'none'";
  }
  if (opts.hsts) headers['strict-transport-security'] = 'max-age=31536000';
  return headers;
}
