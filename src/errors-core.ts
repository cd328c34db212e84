/**
 * The base class of the error catalogue (errors.ts, which exports it with every class).
 */
import type { ErrorCode } from './error-codes.ts';

/** The base class of every multitask error. */
export class MultitaskError extends Error {
  /** A stable identifier of the failure, such as `ERR_ALREADY_STARTED`. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }
}
