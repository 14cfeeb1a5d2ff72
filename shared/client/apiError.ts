/** The one error the client throws: what went wrong, in a form a CLI can map to exit codes. */

export type ApiErrorCode =
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'internal'
  | 'unreachable'
  | 'timeout'
  | 'bad_response';

const BY_STATUS: Record<number, ApiErrorCode> = {
  400: 'invalid_argument',
  401: 'unauthenticated',
  403: 'permission_denied',
  404: 'not_found',
  405: 'invalid_argument',
  409: 'conflict',
  413: 'too_large',
  415: 'invalid_argument',
  429: 'rate_limited',
  503: 'unavailable',
};

export class ApiError extends Error {
  /** The HTTP status; 0 when no answer came (unreachable, timeout). */
  readonly status: number;
  readonly code: ApiErrorCode;
  /** The gRPC code the problem carried (Tekton Results' `code`), when it did. */
  readonly grpcCode: number | undefined;
  /** Seconds the server asked to wait before retrying (Retry-After), when it did. */
  readonly retryAfter: number | undefined;

  constructor(status: number, code: ApiErrorCode, message: string, opts: { grpcCode?: number; retryAfter?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.grpcCode = opts.grpcCode;
    this.retryAfter = opts.retryAfter;
  }

  static fromStatus(status: number, message: string, opts: { grpcCode?: number; retryAfter?: number } = {}): ApiError {
    return new ApiError(status, BY_STATUS[status] ?? (status >= 500 ? 'internal' : 'invalid_argument'), message, opts);
  }
}
