/**
 * Node http ⇄ core adapter. The local server, the functions-framework registration and the
 * Vercel functions all go through here, so the body limit and header handling are the same
 * wherever a function runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { CoreRequest, CoreResponse, Handler } from './core.js';
import { HttpError, problemResponse } from './problem.js';
import { withLogContext } from '../log.js';

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

export function toCoreRequest(req: IncomingMessage, body: Buffer): CoreRequest {
  const url = new URL(req.url ?? '/', 'http://localhost');
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
        if (!(err instanceof HttpError)) throw err;
        out = problemResponse(err);
        // The rest of an oversized body is not worth reading; close after answering.
        if (err.status === 413) res.setHeader('connection', 'close');
      }
      if (!res.headersSent) writeCoreResponse(res, out);
    });
  };
}
