import type { LightMyRequestResponse } from 'fastify';
import { ADMIN, addOperator, EDITOR, FORM, signedIn, type Jar } from '../auth/helpers.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';

export type Fields = Record<string, string | string[]>;

export const encode = (fields: Fields) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
  return params.toString();
};

/** A browser signed in to the real app, posting forms with its CSRF token unless told otherwise. */
export interface Browser {
  jar: Jar;
  csrf: string;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, fields: Fields, token?: string | null): Promise<LightMyRequestResponse>;
}

export async function browser(t: TestApp, who: { email: string; password: string }): Promise<Browser> {
  const { jar, csrf } = await signedIn(t.app, who);
  return {
    jar,
    csrf,
    get: (url) => t.app.inject({ url, headers: { cookie: jar.header() } }),
    post: (url, fields, token = csrf) =>
      t.app.inject({ method: 'POST', url, headers: { ...FORM, cookie: jar.header() }, payload: encode(token === null ? fields : { _csrf: token, ...fields }) }),
  };
}

/** The id at the end of the page a write led to (`/admin/incidents/<id>?done=created&...`). */
export function pageId(location: unknown): string {
  const path = new URL(String(location), 'http://admin.test').pathname;
  return decodeURIComponent(path.split('/').pop()!);
}

/** The real app with an admin (Ada) and an editor (Eddie). */
export async function appWithOperators(opts: Parameters<typeof makeTestApp>[0] = {}) {
  const t = await makeTestApp(opts);
  await addOperator(t.app.store, ADMIN, 'admin', t.clock.ms);
  await addOperator(t.app.store, EDITOR, 'editor', t.clock.ms);
  return t;
}

/** Every row of these tables and the connection's change counter: a refused request must leave all of it as it was. */
export function rows(t: TestApp, tables: string[]) {
  const all = (table: string) => t.db.prepare(`SELECT * FROM ${table}`).all().map((r) => JSON.stringify(r)).sort();
  return {
    changes: (t.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n,
    ...Object.fromEntries(tables.map((table) => [table, all(table)])),
  };
}

export { ADMIN, EDITOR };
