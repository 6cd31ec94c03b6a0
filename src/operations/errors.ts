/** An error whose message is meant for the client: the error handler passes 4xx messages through. */
export class OperationError extends Error {
  constructor(
    readonly statusCode: 404 | 409 | 422,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

export const notFound = (what: string, id: string) => new OperationError(404, `no ${what} with id "${id}"`);
