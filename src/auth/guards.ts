import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Operator, Role } from './operator-store.js';
import type { Session } from './session-store.js';
import { secretsEqual } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in operator, on /admin routes; null when signed out (and outside /admin). */
    operator: Operator | null;
    /** The session behind `operator`, with its CSRF token for the forms a page renders. */
    adminSession: Session | null;
    /** The one-time form token this request claimed, if its form carries one (see admin-auth's onceOnly). */
    formToken: string | null;
  }
  interface FastifyContextConfig {
    /** An /admin route that works signed out (the sign-in form); everything else needs a session. */
    signedOut?: boolean;
  }
}

export const SESSION_COOKIE = 'outpost_session';
export const LOGIN_COOKIE = 'outpost_login';
/** The hidden form field carrying the CSRF token; scripts (none today) would send the header. */
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const isUnsafe = (method: string) => UNSAFE_METHODS.has(method);

/**
 * Admin pages: no script, nothing from elsewhere, never framed, never cached (a shared or back-button
 * copy of an admin page is a leak), and the URL never leaves for another site in a Referer.
 */
export const ADMIN_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function adminHeaders(secure: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'content-security-policy': ADMIN_CSP,
    'x-frame-options': 'DENY',
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  };
  if (secure) headers['strict-transport-security'] = 'max-age=31536000';
  return headers;
}

/** The CSRF token a request carries: the form field, else the header. */
export function csrfTokenOf(request: FastifyRequest): string | undefined {
  const body = request.body;
  const field = body && typeof body === 'object' ? (body as Record<string, unknown>)[CSRF_FIELD] : undefined;
  if (typeof field === 'string') return field;
  const header = request.headers[CSRF_HEADER];
  return typeof header === 'string' ? header : undefined;
}

export function csrfTokenValid(request: FastifyRequest, session: Session): boolean {
  return secretsEqual(csrfTokenOf(request), session.csrfToken);
}

/** A 4xx the admin's error handler renders as a page with this message. */
export class AdminHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'AdminHttpError';
  }
}

const RANK: Record<Role, number> = { editor: 1, admin: 2 };

/**
 * A preHandler admitting operators of `role` or above (an admin may do what an editor may). Used as
 * a route's preHandler it runs after the admin scope's session and CSRF checks, so a signed-out
 * visitor is sent to the sign-in form before their role is ever asked.
 */
export function requireRole(role: Role): preHandlerAsyncHookHandler {
  return async function roleGuard(request) {
    const operator = request.operator;
    if (!operator) throw new AdminHttpError(401, 'Sign in to continue.');
    if (RANK[operator.role] < RANK[role]) {
      throw new AdminHttpError(403, `This page is for ${role}s; you are signed in as ${operator.role === 'admin' ? 'an admin' : 'an editor'}.`);
    }
  };
}
