import { z } from 'zod';
import { ROLES } from './operator-store.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password.js';

/** Form fields as operators read them: every message says what to do, beside the field it is about. */
export const emailAddress = z
  .string({ error: 'Enter an email address.' })
  .trim()
  .min(1, 'Enter an email address.')
  .max(254, 'An email address has at most 254 characters.')
  .pipe(z.email({ error: 'Enter an email address, like name@example.com.' }))
  .transform((e) => e.toLowerCase());

export const newPassword = z
  .string({ error: 'Enter a password.' })
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
  .max(MAX_PASSWORD_LENGTH, `Use at most ${MAX_PASSWORD_LENGTH} characters.`);

export const loginForm = z.object({
  email: emailAddress,
  // Not held to today's minimum: that is checked when a password is set, not every time it is typed.
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(MAX_PASSWORD_LENGTH, 'This password is too long.'),
});

export const operatorForm = z.object({
  email: emailAddress,
  name: z.string({ error: 'Enter a name.' }).trim().min(1, 'Enter a name.').max(100, 'A name has at most 100 characters.'),
  role: z.enum(ROLES, { error: 'Choose admin or editor.' }),
  password: newPassword,
});

export type FieldErrors = Record<string, string>;

/** The first problem of each field, keyed by field name. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '_form');
    out[field] ??= issue.message;
  }
  return out;
}

/** A string field of a parsed form body, or '' (bodies are untrusted: a field may be missing or repeated). */
export function textField(body: unknown, name: string): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}
