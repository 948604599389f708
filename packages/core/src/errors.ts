import type { ErrorCode } from '@graminsta/contracts';

/** Business code throws AppError(code); the API's one error handler maps codes to statuses. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const forbidden = (message = 'you may not change this') => new AppError('forbidden', message);
