import fastifyCookie, { type CookieSerializeOptions } from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrors, loginForm, operatorForm, textField, type FieldErrors } from '../auth/forms.js';
import {
  AdminHttpError,
  adminHeaders,
  CSRF_FIELD,
  csrfTokenOf,
  csrfTokenValid,
  isUnsafe,
  LOGIN_COOKIE,
  requireRole,
  SESSION_COOKIE,
} from '../auth/guards.js';
import { DEVICE_COOKIE, DeviceCookies } from '../auth/device-cookie.js';
import { LoginCsrf, serverSecret } from '../auth/login-csrf.js';
import { signIn, signOut } from '../auth/login.js';
import { addOperator, OperatorChangeRefused, setOperatorDisabled } from '../auth/manage.js';
import { DuplicateEmailError, type Operator } from '../auth/operator-store.js';
import { MIN_PASSWORD_LENGTH, PasswordHasherBusy } from '../auth/password.js';
import { DEFAULT_POLICY, type AuthPolicy } from '../auth/policy.js';
import type { AuthStores } from '../auth/stores.js';
import { waitText } from '../auth/throttle.js';
import type { Session } from '../auth/session-store.js';
import { formFields, UNSENT_FIELD } from '../auth/unsent-form-store.js';
import { AdminViews, FORM_TOKEN, FORM_TOKEN_FIELD } from '../auth/views.js';
import type { Clock } from '../util/time.js';
import { unsentKind } from './admin-unsent.js';
import { logCompletedRequests } from './request-logger.js';

export interface AdminAuthOptions {
  stores: AuthStores;
  clock: Clock;
  /** The page is served over https (page.url): cookies get Secure and responses HSTS. */
  secure: boolean;
  /** Shown in the admin's header and titles. */
  pageName: string;
  policy?: AuthPolicy;
  /**
   * Route plugins registered inside the /admin scope, after its hooks: they get the session check,
   * CSRF check, security headers, HTML error pages and `request.operator` without doing anything.
   * The dashboard (GET /admin) is one of them: src/web/admin-dashboard.ts.
   */
  routes?: FastifyPluginAsync[];
}

/** The operators' admin under /admin: sign-in, sessions, CSRF, roles, security headers. */
export async function adminAuth(app: FastifyInstance, opts: AdminAuthOptions): Promise<void> {
  // Cookie paths and redirects name /admin: the prefix is fixed here rather than left to the caller.
  await app.register(adminScope, { ...opts, prefix: '/admin' });
}

async function adminScope(admin: FastifyInstance, opts: AdminAuthOptions): Promise<void> {
  const { stores, clock } = opts;
  const policy = opts.policy ?? DEFAULT_POLICY;
  const views = new AdminViews(opts.pageName);
  const secret = serverSecret(stores.meta);
  const loginCsrf = new LoginCsrf(secret, policy.loginFormMs);
  const devices = new DeviceCookies(secret);
  const headers = adminHeaders(opts.secure);
  const sessionCookie: CookieSerializeOptions = { path: '/admin', httpOnly: true, sameSite: 'lax', secure: opts.secure };
  // Strict: the sign-in form's cookie is only ever needed by a POST from our own form.
  const loginCookie: CookieSerializeOptions = {
    path: '/admin/login',
    httpOnly: true,
    sameSite: 'strict',
    secure: opts.secure,
    maxAge: Math.floor(policy.loginFormMs / 1000),
  };
  // Read only by the sign-in POST, like the form's own cookie; kept for months.
  const deviceCookie: CookieSerializeOptions = { ...loginCookie, maxAge: Math.floor(policy.deviceMs / 1000) };
  logCompletedRequests(admin);
  // Both stay inside this scope: the public routes neither parse cookies nor accept forms.
  await admin.register(fastifyCookie, { hook: 'onRequest' });
  await admin.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  admin.decorateRequest('operator', null);
  admin.decorateRequest('adminSession', null);
  admin.decorateRequest('formToken', null);

  // Who is asking. Read-only: a request refused below must leave no trace in the database.
  admin.addHook('onRequest', async (request) => {
    const session = stores.sessions.find(request.cookies[SESSION_COOKIE], clock());
    const operator = session ? stores.operators.byId(session.operatorId) : undefined;
    if (!session || !operator || operator.disabled) return;
    request.operator = operator;
    request.adminSession = session;
  });

  admin.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(headers);
    return payload;
  });

  // Every route but the sign-in form needs a session; every state-changing request needs its CSRF
  // token. Runs after the body is parsed, before any handler.
  admin.addHook('preHandler', async (request, reply) => {
    const unsafe = isUnsafe(request.method);
    if (request.routeOptions.config.signedOut) {
      if (unsafe && !loginCsrf.verify(request.cookies[LOGIN_COOKIE], textField(request.body, CSRF_FIELD), clock())) {
        request.log.warn('admin: sign-in refused, CSRF pair missing, stale or wrong');
        return sendLogin(request, reply, 403, {
          email: textField(request.body, 'email').trim(),
          formError: 'This sign-in form has expired or did not come from this site. Please sign in again.',
        });
      }
      return;
    }
    const session = request.adminSession;
    if (!request.operator || !session) {
      if (!unsafe) return reply.redirect(signInFor(request.url), 303);
      const kept = keepUnsent(request, stores.sessions.ended(request.cookies[SESSION_COOKIE], clock()));
      if (kept) {
        return sendLogin(request, reply, 401, {
          email: kept.email,
          formError: 'Your session ended before this form was sent, so nothing was changed. What you wrote is kept: sign in again to check it and send it.',
        });
      }
      throw new AdminHttpError(401, 'You are not signed in, or your session has ended. Sign in again to continue.');
    }
    if (unsafe && !csrfTokenValid(request, session)) {
      // A page opened before the operator signed in again (another tab): kept, not lost.
      if (keepUnsent(request, stores.sessions.endedWithToken(request.operator.id, csrfTokenOf(request), clock()))) {
        return sendMessage(request, reply, 409, {
          heading: 'Not sent yet',
          message: 'This form came from a page opened before you signed in again, so nothing was changed. What you wrote is kept: check it and send it.',
          link: { href: '/admin/unsent', text: 'Check and send it' },
        });
      }
      request.log.warn({ operatorId: request.operator.id }, 'admin: request refused, CSRF token missing or wrong');
      throw new AdminHttpError(403, 'This form is out of date or did not come from this site. Go back, reload the page and try again.');
    }
    stores.sessions.touch(session, clock());
    if (unsafe) return onceOnly(request, reply);
  });

  /**
   * A form posted after its session ended (30 idle minutes go fast while an outage is investigated,
   * or the operator signed in again in another tab) is kept for the same operator to send again,
   * instead of being lost with the refusal. Only when it carries the CSRF token of a session of
   * theirs that ended within the hour: then it is this browser's own form of that operator. Only
   * the forms operators write during an outage (admin-unsent.ts), never access or keys. The one
   * write a refused request may make.
   */
  function keepUnsent(request: FastifyRequest, ended: Session | undefined): Operator | undefined {
    if (!ended || unsentKind(request.url) === undefined || !csrfTokenValid(request, ended)) return undefined;
    const operator = stores.operators.byId(ended.operatorId);
    const fields = formFields(request.body);
    if (!operator || operator.disabled || !fields) return undefined;
    stores.unsentForms.keep(operator.id, request.url, fields, clock());
    request.log.info({ operatorId: operator.id }, 'admin: form sent after its session ended, kept for its operator');
    return operator;
  }

  /**
   * A form sent twice (a double click, a resend after a slow answer) is carried out once: the second
   * submission waits for the first and is sent where it led. Forms opt in with a FORM_TOKEN_FIELD.
   */
  async function onceOnly(request: FastifyRequest, reply: FastifyReply) {
    const token = textField(request.body, FORM_TOKEN_FIELD);
    if (!FORM_TOKEN.test(token)) return;
    const operatorId = request.operator!.id;
    let claim = stores.formSubmissions.claim(operatorId, token, clock());
    for (let i = 0; claim.kind === 'pending' && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      claim = stores.formSubmissions.claim(operatorId, token, clock());
    }
    if (claim.kind === 'done') {
      request.log.info({ operatorId }, 'admin: repeated form submission answered with the first one\'s result');
      return reply.redirect(claim.location, 303);
    }
    // Still pending after the wait (a form's token never carries a fingerprint, so never a mismatch).
    if (claim.kind !== 'claimed') throw new AdminHttpError(409, 'This form is still being sent. Reload the page in a moment to see the result.');
    request.formToken = token;
  }

  admin.addHook('onSend', async (request, reply, payload) => {
    // An unsent form sent again from /admin/unsent and carried out (a redirect after a write): done.
    const unsent = isUnsafe(request.method) ? textField(request.body, UNSENT_FIELD) : '';
    if (unsent && request.operator && reply.statusCode === 303) stores.unsentForms.delete(unsent, request.operator.id);
    const token = request.formToken;
    if (token && request.operator) {
      const location = reply.getHeader('location');
      if (reply.statusCode === 303 && typeof location === 'string') stores.formSubmissions.done(request.operator.id, token, location);
      else stores.formSubmissions.release(request.operator.id, token);
    }
    return payload;
  });

  admin.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'admin request failed');
    return sendMessage(request, reply, status, messageFor(error, status, request.id));
  });

  admin.setNotFoundHandler(async (request, reply) => {
    // Signed out, every admin address leads to the sign-in form: which pages exist is nobody's business.
    if (!request.operator && !isUnsafe(request.method)) return reply.redirect(signInFor(request.url), 303);
    const status = request.operator ? 404 : 401;
    return sendMessage(request, reply, status, messageFor(undefined, status, request.id));
  });

  function sendLogin(request: FastifyRequest, reply: FastifyReply, status: number, data: { email?: string; formError?: string; errors?: FieldErrors }) {
    const { nonce, field } = loginCsrf.issue(request.cookies[LOGIN_COOKIE], clock());
    reply.setCookie(LOGIN_COOKIE, nonce, loginCookie);
    const errors = data.errors ?? {};
    const focus = errors.email || !data.email ? 'email' : 'password';
    // Where to go after signing in: the page that sent here (?next=), or the one the form came back from.
    const next = returnPath((request.query as Record<string, unknown>).next) ?? returnPath(textField(request.body, NEXT_FIELD)) ?? null;
    return views.send(request, reply, status, 'login', 'Sign in', { email: data.email ?? '', formError: data.formError ?? null, errors, focus, csrf: field, next, nextField: NEXT_FIELD }, 'login');
  }

  function sendMessage(request: FastifyRequest, reply: FastifyReply, status: number, m: Message) {
    return views.send(request, reply, status, 'message', m.heading, { ...m, link: m.link ?? null }, 'message');
  }

  admin.get('/login', { config: { signedOut: true } }, async (request, reply) => {
    if (request.operator) return reply.redirect('/admin', 303);
    return sendLogin(request, reply, 200, {});
  });

  admin.post('/login', { config: { signedOut: true } }, async (request, reply) => {
    const email = textField(request.body, 'email').trim();
    const parsed = loginForm.safeParse(request.body);
    if (!parsed.success) return sendLogin(request, reply, 400, { email, errors: fieldErrors(parsed.error) });
    let result;
    try {
      result = await signIn(
        { stores, policy, clock, devices },
        {
          email: parsed.data.email,
          password: parsed.data.password,
          ip: request.ip,
          previousSessionId: request.cookies[SESSION_COOKIE],
          deviceCookie: request.cookies[DEVICE_COOKIE],
        },
      );
    } catch (err) {
      if (!(err instanceof PasswordHasherBusy)) throw err;
      reply.header('retry-after', '5');
      return sendLogin(request, reply, 503, { email, formError: 'Too many sign-ins are in progress; try again in a few seconds.' });
    }
    if (!result.ok && result.reason === 'throttled') {
      const wait = result.retryAt - clock();
      request.log.warn({ scope: result.scope }, 'admin: sign-in throttled');
      reply.header('retry-after', String(Math.max(1, Math.ceil(wait / 1000))));
      const whose = result.scope === 'account' ? 'for this account' : result.scope === 'device' ? 'from this browser' : 'from your network';
      return sendLogin(request, reply, 429, { email, formError: `Too many failed sign-ins ${whose}; try again in ${waitText(wait)}.` });
    }
    if (!result.ok) {
      request.log.info('admin: sign-in failed');
      return sendLogin(request, reply, 401, { email, formError: 'Email or password is incorrect.' });
    }
    request.log.info({ operatorId: result.operator.id }, 'admin: operator signed in');
    reply.setCookie(SESSION_COOKIE, result.rawSessionId, sessionCookie);
    reply.clearCookie(LOGIN_COOKIE, { path: loginCookie.path });
    // This browser is now trusted for this account: others' failed guesses do not lock it out.
    reply.setCookie(DEVICE_COOKIE, result.deviceCookie, deviceCookie);
    // Forms kept while signed out come first: they are why the operator signed in again. Then the
    // page the operator was sent here from (a link from the chat to an incident), else the dashboard.
    if (stores.unsentForms.list(result.operator.id, clock()).length > 0) return reply.redirect('/admin/unsent', 303);
    return reply.redirect(returnPath(textField(request.body, NEXT_FIELD)) ?? '/admin', 303);
  });

  admin.post('/logout', async (request, reply) => {
    signOut(stores, request.adminSession!, request.operator!, request.ip, clock());
    request.log.info({ operatorId: request.operator!.id }, 'admin: operator signed out');
    reply.clearCookie(SESSION_COOKIE, { path: sessionCookie.path });
    return reply.redirect('/admin/login', 303);
  });

  const sendOperators = (request: FastifyRequest, reply: FastifyReply, status: number, form: { values?: Record<string, string>; errors?: FieldErrors; added?: unknown; formError?: string }) =>
    views.send(request, reply, status, 'operators', 'Operators', {
      operators: stores.operators.list(),
      values: form.values ?? { name: '', email: '', role: 'editor' },
      errors: form.errors ?? {},
      formError: form.formError ?? null,
      added: form.added ?? null,
      me: request.operator!.id,
      minPassword: MIN_PASSWORD_LENGTH,
      iso: (ms: number) => new Date(ms).toISOString(),
    }, 'operators');

  admin.get('/operators', { preHandler: requireRole('admin') }, async (request, reply) => {
    const added = (request.query as Record<string, unknown>).added;
    return sendOperators(request, reply, 200, { added: typeof added === 'string' ? stores.operators.byId(added) : undefined });
  });

  admin.post('/operators', { preHandler: requireRole('admin') }, async (request, reply) => {
    // Typed values come back on error; the password never does.
    const values = { name: textField(request.body, 'name'), email: textField(request.body, 'email'), role: textField(request.body, 'role') };
    const parsed = operatorForm.safeParse(request.body);
    if (!parsed.success) return sendOperators(request, reply, 400, { values, errors: fieldErrors(parsed.error) });
    try {
      const operator = await addOperator(stores, request.operator!, parsed.data, request.ip, clock);
      request.log.info({ operatorId: operator.id, by: request.operator!.id }, 'admin: operator added');
      return reply.redirect(`/admin/operators?added=${encodeURIComponent(operator.id)}`, 303);
    } catch (err) {
      if (!(err instanceof DuplicateEmailError)) throw err;
      return sendOperators(request, reply, 409, { values, errors: { email: 'An operator with this email already exists.' } });
    }
  });

  admin.post<{ Params: { id: string; change: string } }>('/operators/:id/:change', { preHandler: requireRole('admin') }, async (request, reply) => {
    const change = request.params.change;
    if (change !== 'disable' && change !== 'enable') return reply.code(404).send();
    try {
      const operator = setOperatorDisabled(stores, request.operator!, request.params.id, change === 'disable', request.ip, clock);
      request.log.info({ operatorId: operator.id, by: request.operator!.id, change }, 'admin: operator changed');
      return reply.redirect('/admin/operators', 303);
    } catch (err) {
      if (!(err instanceof OperatorChangeRefused)) throw err;
      return sendOperators(request, reply, 409, { formError: err.message });
    }
  });

  for (const routes of opts.routes ?? []) await admin.register(routes);
}

/** The sign-in form's hidden field carrying where to go once signed in. */
const NEXT_FIELD = 'next';

/**
 * A page to return to after signing in: an admin path of this site, and nothing that could lead
 * elsewhere (another host, `//host`, a backslash that some browsers read as a slash) or back to
 * signing in or out. Undefined for anything else, which then leads to the dashboard.
 */
export function returnPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2000) return undefined;
  // Printable ASCII only: a header cannot carry more, and a browser sends anything else escaped.
  if (!/^\/admin\/[^/\\]/.test(value) || !/^[\x21-\x7e]+$/.test(value) || value.includes('\\')) return undefined;
  if (/^\/admin\/(login|logout)(?:[/?#]|$)/.test(value)) return undefined;
  return value;
}

/** The sign-in page, saying where the signed-out visitor was going (the dashboard needs no saying). */
function signInFor(url: string): string {
  const next = returnPath(url);
  return next === undefined ? '/admin/login' : `/admin/login?next=${encodeURIComponent(next)}`;
}

interface Message {
  heading: string;
  message: string;
  link?: { href: string; text: string };
}

/** What each failure says: what happened and what to do, never a stack trace or an internal message. */
function messageFor(error: FastifyError | undefined, status: number, requestId: string): Message {
  const signIn = { href: '/admin/login', text: 'Sign in' };
  const home = { href: '/admin', text: 'Back to the dashboard' };
  if (error instanceof AdminHttpError) {
    const heading = status === 401 ? 'Please sign in' : status === 403 ? 'Not allowed' : 'Request refused';
    return { heading, message: error.message, link: status === 401 ? signIn : home };
  }
  switch (status) {
    case 401:
      return { heading: 'Please sign in', message: 'You are not signed in, or your session has ended.', link: signIn };
    case 404:
      return { heading: 'Not found', message: 'There is no admin page at this address.', link: home };
    case 413:
      return { heading: 'Form too large', message: 'The form sent was larger than this page accepts.', link: home };
    case 415:
      return { heading: 'Unsupported form', message: 'This address accepts web forms only.', link: home };
  }
  if (status < 500) return { heading: 'Request refused', message: 'The request could not be read. Go back, reload the page and try again.', link: home };
  return { heading: 'Something went wrong', message: `Something went wrong on our side. Request id ${requestId} (the log has the details).`, link: home };
}
