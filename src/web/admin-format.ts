/** Words and times as the admin pages show them; shared by every admin page. */

import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Actor } from '../operations/incidents.js';
import type { Outcome } from '../probes/types.js';
import { STATUS_LABEL, UPDATE_STATUS_LABEL } from '../render/format.js';

/** Probe outcomes are the admin's own words; statuses read as on the public page (render/format.ts). */
const OUTCOME_LABEL: Record<Outcome, string> = {
  up: 'Up',
  degraded: 'Degraded',
  partial: 'Partial',
  down: 'Down',
};

const STATUS_LABELS: Record<string, string> = { ...UPDATE_STATUS_LABEL, ...STATUS_LABEL, ...OUTCOME_LABEL };

export const label = (s: string): string => STATUS_LABELS[s] ?? s;

/** Minutes are enough at 4 a.m.; UTC so that two operators in two zones read the same time. */
export const time = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
export const iso = (ms: number): string => new Date(ms).toISOString();

/** "42 s ago", "7 min ago", "3 h ago", "2 d ago"; the future reads "in …". */
export function ago(ms: number): string {
  const future = ms < 0;
  const s = Math.round(Math.abs(ms) / 1000);
  const text = s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : s < 172_800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86_400)} d`;
  return future ? `in ${text}` : `${text} ago`;
}

export const formatHelpers = { label, time, iso };

/** Limits of the admin's text fields, the same on every form: a name, a Markdown message. */
export const MAX_NAME = 200;
export const MAX_BODY = 20_000;
export const messageField = z.string().max(MAX_BODY, `A message has at most ${MAX_BODY.toLocaleString('en')} characters.`);
/** The form that corrects an update's text (incidents and maintenance alike). */
export const editUpdateForm = z.object({ body: z.string().trim().min(1, 'Enter the corrected text.').max(MAX_BODY, `A message has at most ${MAX_BODY.toLocaleString('en')} characters.`) });

/** The signed-in operator as the write path names them: by email, since names are not unique. */
export const operatorActor = (request: FastifyRequest): Actor => ({ kind: 'operator', id: request.operator!.id, name: request.operator!.email });
