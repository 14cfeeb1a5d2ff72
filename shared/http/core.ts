/**
 * The framework-free core every function is written against: a request in, a response out.
 * Adapters (local server, functions-framework, Vercel) translate to and from these shapes, so
 * the domain below never sees Express, Vercel or Node's http objects.
 */
import { HttpError, problemResponse } from './problem.js';
import { logger } from '../log.js';

export interface CoreRequest {
  method: string;
  /** Path without the query string, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** Aborts when the client goes away before the answer is sent: stop the work for it. */
  signal?: AbortSignal;
}

export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  /** An async iterable is streamed (chunked), for answers too large to build in memory. */
  body: string | Buffer | AsyncIterable<string>;
}

export type Handler = (req: CoreRequest) => Promise<CoreResponse>;

export function json(status: number, value: unknown, headers: Record<string, string> = {}): CoreResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

/**
 * Turns every thrown error into a response: HttpErrors as their problem, anything else is
 * logged with its stack and answered with a generic 500 that leaks nothing.
 */
export function withProblems(handler: Handler): Handler {
  return async (req) => {
    try {
      return await handler(req);
    } catch (err) {
      if (err instanceof HttpError) {
        if (err.status >= 500) logger.warn({ err: err.cause ?? err, status: err.status }, err.message);
        return problemResponse(err);
      }
      logger.error({ err }, 'unhandled error');
      return problemResponse(new HttpError(500, 'internal error; the request was not applied'));
    }
  };
}

/** Case-insensitive media type of a Content-Type header, without parameters. */
export function mediaType(contentType: string | undefined): string {
  if (!contentType) return '';
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/** The value of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(req: CoreRequest): string | undefined {
  const h = req.headers['authorization'];
  if (!h) return undefined;
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(h);
  return m?.[1];
}
