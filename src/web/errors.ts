import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * One error handler: client errors (4xx) keep their message, which names what was wrong; server
 * errors are logged with the request id and answered with that id only, never a stack trace.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status < 500) {
      return reply.code(status).send({ error: error.code ?? 'bad_request', message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(status).send({ error: 'internal_error', message: `internal error; request id ${request.id}` });
  });
}
