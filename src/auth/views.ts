import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../util/paths.js';

export type AdminSection = 'dashboard' | 'incidents' | 'maintenance' | 'templates' | 'components' | 'probes' | 'announcements' | 'operators' | 'audit' | 'api-keys' | 'login' | 'message';

/** The hidden field of a form that must be carried out once however often it is sent (see admin-auth's onceOnly). */
export const FORM_TOKEN_FIELD = '_once';
export const FORM_TOKEN = /^[A-Za-z0-9_-]{22}$/;

/** Renders views/admin/*.eta inside the admin layout (escaping on, as on the public page). */
export class AdminViews {
  private readonly eta: Eta;
  /** Content hash of admin.css: /static/ is cached as immutable, so the URL must change with the file. */
  private readonly assetVersion: string;

  constructor(
    private readonly pageName: string,
    root = projectRoot,
  ) {
    this.eta = new Eta({ views: join(root, 'views', 'admin'), cache: true, autoEscape: true, autoTrim: [false, 'nl'] });
    this.assetVersion = createHash('sha256').update(readFileSync(join(root, 'public', 'admin.css'))).digest('hex').slice(0, 10);
  }

  /** Sends a page; the layout gets the signed-in operator and their CSRF token for the sign-out form. */
  send(request: FastifyRequest, reply: FastifyReply, status: number, view: string, title: string, data: Record<string, unknown> = {}, current?: AdminSection) {
    const layout = {
      title,
      pageName: this.pageName,
      assetVersion: this.assetVersion,
      operator: request.operator,
      csrfToken: request.adminSession?.csrfToken ?? null,
      current: current ?? null,
      /** A fresh one-time token for a form on this page: `<input type="hidden" name="_once" value="...">`. */
      formToken: () => randomBytes(16).toString('base64url'),
    };
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(this.eta.render(`./${view}`, { ...data, layout }));
  }
}
