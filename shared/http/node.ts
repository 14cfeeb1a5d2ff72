/**
 * Node http ⇄ core adapter. The local server, the functions-framework registration and the
 * Vercel functions all go through here, so the body limit and header handling are the same
 * wherever a function runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { CoreRequest, CoreResponse, Handler } from './core.js';
import { HttpError, problemResponse } from './problem.js';
import { logger, withLogContext } from '../log.js';

function tooLarge(max: number): HttpError {
  return new HttpError(413, `request body is larger than the limit of ${max} bytes (MAX_BODY_BYTES)`);
}

/** Reads the body up to `max` bytes; a larger body is refused without buffering it all. */
export async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw tooLarge(max);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** `.`/`..` segments (also percent-encoded) and backslashes, which URL parsing would resolve. */
const DOT_SEGMENT_RE = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|\\/i;

export function toCoreRequest(req: IncomingMessage, body: Buffer): CoreRequest {
  const target = req.url ?? '/';
  const rawPath = target.split('?', 1)[0] ?? '';
  // The WHATWG URL parser resolves dot-segments and treats `\` as `/`, so `/apis/x/../../ingest`
  // would reach a route a path-based proxy rule never saw. Refuse such paths instead.
  if (DOT_SEGMENT_RE.test(rawPath)) throw new HttpError(400, 'the request path must not contain "." or ".." segments or backslashes');
  // Origin-form targets are appended to the base rather than resolved: `//host/x` is a path here.
  let url: URL;
  try {
    url = target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target, 'http://localhost');
  } catch {
    throw new HttpError(400, 'malformed request target');
  }
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return { method: (req.method ?? 'GET').toUpperCase(), path: url.pathname, query: url.searchParams, headers, body };
}

export function writeCoreResponse(res: ServerResponse, out: CoreResponse): void {
  const body = typeof out.body === 'string' ? Buffer.from(out.body) : out.body;
  res.writeHead(out.status, { ...out.headers, 'content-length': String(body.length) });
  res.end(body);
}

/**
 * A Node request listener for a core handler. `preread` is the body when a framework already
 * consumed the stream (functions-framework keeps it as `rawBody`).
 */
export function nodeListener(handler: Handler, maxBodyBytes: number) {
  return async (req: IncomingMessage & { rawBody?: Buffer }, res: ServerResponse): Promise<void> => {
    const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
    await withLogContext({ requestId }, async () => {
      let out: CoreResponse;
      try {
        let body: Buffer;
        if (req.rawBody !== undefined || req.readableEnded) {
          body = req.rawBody ?? Buffer.alloc(0);
          if (body.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
        } else {
          body = await readBody(req, maxBodyBytes);
        }
        out = await handler(toCoreRequest(req, body));
      } catch (err) {
        // Nothing may escape: the listener's promise is not awaited, so a rejection here would be
        // unhandled and stop the whole process (a client that drops mid-body was enough).
        if (!(err instanceof HttpError)) {
          if (req.readableAborted || req.destroyed) {
            res.destroy();
            return;
          }
          logger.error({ err }, 'unhandled error reading the request');
        }
        const problem = err instanceof HttpError ? err : new HttpError(500, 'internal error; the request was not applied');
        out = problemResponse(problem);
        // The rest of an oversized body is not worth reading; close after answering.
        if (problem.status === 413) res.setHeader('connection', 'close');
      }
      if (!res.headersSent) writeCoreResponse(res, out);
    });
  };
}
