/**
 * The one HTTP error type of the project, and the one place it becomes a response.
 *
 * Errors leave every function as RFC 9457 `application/problem+json`. Tekton Results' gateway
 * answers with `{code, message}` (gRPC status), so each problem carries those members too and
 * tools written for Results keep working.
 */
import type { CoreResponse } from './core.js';

/** HTTP status → gRPC code, as grpc-gateway maps them back. */
const GRPC_CODE: Record<number, number> = {
  400: 3, // INVALID_ARGUMENT
  401: 16, // UNAUTHENTICATED
  403: 7, // PERMISSION_DENIED
  404: 5, // NOT_FOUND
  405: 12, // UNIMPLEMENTED
  409: 10, // ABORTED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3, // INVALID_ARGUMENT
  429: 8, // RESOURCE_EXHAUSTED
  500: 13, // INTERNAL
  501: 12, // UNIMPLEMENTED
  503: 14, // UNAVAILABLE
};

const TITLE: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  501: 'Not Implemented',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** One problem in a list of problems, e.g. one bad event of a batch. */
export interface ProblemItem {
  /** Where the problem is: `events[3].data.event.reason`, `query.page_size`, … */
  pointer: string;
  detail: string;
}

export class HttpError extends Error {
  readonly status: number;
  readonly errors: ProblemItem[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    detail: string,
    opts: { errors?: ProblemItem[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, { cause: opts.cause });
    this.name = 'HttpError';
    this.status = status;
    this.errors = opts.errors;
    this.headers = opts.headers ?? {};
  }
}

export function problemResponse(err: HttpError): CoreResponse & { body: string } {
  const body: Record<string, unknown> = {
    type: 'about:blank',
    title: TITLE[err.status] ?? 'Error',
    status: err.status,
    detail: err.message,
    code: GRPC_CODE[err.status] ?? 2,
    message: err.message,
  };
  if (err.errors && err.errors.length > 0) body['errors'] = err.errors;
  return {
    status: err.status,
    headers: { 'content-type': 'application/problem+json', ...err.headers },
    body: JSON.stringify(body),
  };
}
