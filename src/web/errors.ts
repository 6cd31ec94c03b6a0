import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * One error handler: client errors (4xx) keep their message, which names what was wrong; server
 * errors are logged with the request id and answered with that id only, never a stack trace.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status < 500) {
      const code = status === 404 ? 'not_found' : status === 409 ? 'conflict' : status === 422 ? 'invalid' : (error.code ?? 'bad_request');
      // Every 422 names its field(s): a schema's list, or the one field an operation's rule was about.
      const field = (error as { field?: unknown }).field;
      const details = (error as { errors?: unknown }).errors ?? (status === 422 && typeof field === 'string' ? [{ field, message: error.message }] : undefined);
      return reply.code(status).send({ error: code, message: error.message, ...(details ? { errors: details } : {}) });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ error: 'internal_error', message: `internal error; request id ${request.id}` });
  });
}
