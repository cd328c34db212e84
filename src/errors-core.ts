/**
 * The base classes of the error catalogue (errors.ts, which exports them with every class):
 * apart, so that a child's start-up code can throw a coded error without loading it all.
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

/** A `TypeError` with a code: an argument of the wrong type. */
export class ArgumentTypeError extends TypeError {
  readonly code: ErrorCode;

  constructor(message: string, code: ErrorCode = 'ERR_INVALID_ARG_TYPE', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return 'ArgumentTypeError';
  }
}

/** A `RangeError` with a code: an argument of the right type but outside its range. */
export class ArgumentRangeError extends RangeError {
  readonly code: ErrorCode;

  constructor(message: string, code: ErrorCode = 'ERR_OUT_OF_RANGE', options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return 'ArgumentRangeError';
  }
}
