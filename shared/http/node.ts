/**
 * Node http ⇄ core adapter. The local server, the functions-framework registration and the
 * Vercel functions all go through here, so the body limit and header handling are the same
 * wherever a function runs.
 *
 * Order of work for a request: the request line and headers are checked first (`gate`: the
 * token, no body on GET), and only then is the body read, with a size limit and an idle
 * timeout, so an unauthenticated or trickling client costs neither memory nor a connection
 * for long. The handler gets a signal that aborts when the client goes away.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import type { CoreRequest, CoreResponse, Handler } from './core.js';
import { HttpError, problemResponse } from './problem.js';
import { logger, withLogContext } from '../log.js';

/** Checks a request from its line and headers (its body is still empty); throws an HttpError to refuse it. */
export type Gate = (req: CoreRequest) => void;

export interface ListenerOptions {
  gate?: Gate;
  /** Longest pause between two chunks of a body before the request is answered 408. */
  bodyIdleTimeoutMs?: number;
}

export const DEFAULT_BODY_IDLE_TIMEOUT_MS = 5_000;

/**
 * GET, HEAD, DELETE and OPTIONS carry no data in this API, but gRPC-gateway clients (tkn-results)
 * send the request message as a small protojson body with GET: such requests may have this much
 * body and no more, whatever MAX_BODY_BYTES says.
 */
export const BODILESS_MAX_BYTES = 4096;
const BODILESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/** The body limit of a method, when it is stricter than MAX_BODY_BYTES. */
export function maxBodyFor(method: string): number | undefined {
  return BODILESS.has(method.toUpperCase()) ? BODILESS_MAX_BYTES : undefined;
}

function tooLarge(max: number): HttpError {
  return new HttpError(413, `request body is larger than the limit of ${max} bytes (MAX_BODY_BYTES)`);
}

/**
 * Reads the body up to `max` bytes; a larger body is refused without buffering it all, and a
 * body that stops arriving for `idleMs` is refused with 408 (a trickled upload would otherwise
 * hold its connection and its buffer for as long as the client likes).
 */
export async function readBody(req: IncomingMessage, max: number, idleMs = DEFAULT_BODY_IDLE_TIMEOUT_MS): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => finish(new HttpError(408, `the request body stopped arriving for ${idleMs} ms (HTTP_BODY_IDLE_TIMEOUT_MS)`)), idleMs);
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) return finish(tooLarge(max));
      chunks.push(chunk);
      timer.refresh();
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(err);
    const onClose = () => finish(new Error('the client closed the connection before the body was complete'));
    function finish(err?: Error): void {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) {
        // Stop reading: the connection is closed after the answer.
        req.pause();
        reject(err);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    }
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

const GUNZIP = promisify(gunzip);
const INFLATE = promisify(inflate);

/**
 * The body as sent, undone from its Content-Encoding (`gzip`, `deflate`, `identity`), with the
 * decoded size held to the same limit as the body: a small body that inflates past it (a zip
 * bomb) is refused without ever being inflated whole. Only for bodies read here: a framework
 * that read the body (functions-framework's `rawBody`) has decoded it already.
 */
export async function decodeBody(body: Buffer, contentEncoding: string | undefined, max: number): Promise<Buffer> {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return body;
  const decode = encoding === 'gzip' || encoding === 'x-gzip' ? GUNZIP : encoding === 'deflate' ? INFLATE : undefined;
  if (!decode) throw new HttpError(415, `unsupported Content-Encoding "${encoding}": send the body as it is, or gzip or deflate it`);
  try {
    return await decode(body, { maxOutputLength: max });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(max);
    throw new HttpError(400, `the body is not valid ${encoding} data (Content-Encoding: ${encoding})`);
  }
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

/** Resolves when `res` may take more data, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** Writes a streamed body chunk by chunk, keeping to the client's pace (backpressure). */
async function writeStream(res: ServerResponse, out: CoreResponse, body: AsyncIterable<string>): Promise<void> {
  res.writeHead(out.status, out.headers);
  try {
    for await (const chunk of body) {
      if (res.destroyed) break; // the iterator's cleanup runs: its database work stops
      if (!res.write(chunk)) await drained(res);
    }
    res.end();
  } catch (err) {
    // Headers are out: the only honest signal left is a cut connection (the JSON is incomplete).
    logger.warn({ error: (err as Error).message }, 'streaming an answer failed; closing the connection');
    res.destroy();
  }
}

export async function writeCoreResponse(res: ServerResponse, out: CoreResponse): Promise<void> {
  if (typeof out.body !== 'string' && !Buffer.isBuffer(out.body)) return writeStream(res, out, out.body);
  const body = typeof out.body === 'string' ? Buffer.from(out.body) : out.body;
  res.writeHead(out.status, { ...out.headers, 'content-length': String(body.length) });
  res.end(body);
}

/**
 * A Node request listener for a core handler. `preread` is the body when a framework already
 * consumed the stream (functions-framework keeps it as `rawBody`).
 */
export function nodeListener(handler: Handler, maxBodyBytes: number, opts: ListenerOptions = {}) {
  return async (req: IncomingMessage & { rawBody?: Buffer }, res: ServerResponse): Promise<void> => {
    const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
    await withLogContext({ requestId }, async () => {
      // The signal is made only for a handler that asks for it: an AbortController a request
      // was a visible cost at one Event a request, and ingest never needs one.
      let gone = false;
      let controller: AbortController | undefined;
      res.once('close', () => {
        if (res.writableFinished) return;
        gone = true;
        controller?.abort(new Error('the client went away'));
      });
      const signalOf = (): AbortSignal => {
        if (!controller) {
          controller = new AbortController();
          if (gone) controller.abort(new Error('the client went away'));
        }
        return controller.signal;
      };
      let out: CoreResponse;
      try {
        const head = toCoreRequest(req, Buffer.alloc(0));
        let body: Buffer;
        if (req.rawBody !== undefined || req.readableEnded) {
          body = req.rawBody ?? Buffer.alloc(0);
          if (body.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
        } else {
          opts.gate?.(head);
          const max = Math.min(maxBodyBytes, maxBodyFor(head.method) ?? maxBodyBytes);
          body = await decodeBody(await readBody(req, max, opts.bodyIdleTimeoutMs), head.headers['content-encoding'], max);
        }
        const request: CoreRequest = {
          ...head,
          body,
          get signal() {
            return signalOf();
          },
        };
        out = await handler(request);
      } catch (err) {
        // Nothing may escape: the listener's promise is not awaited, so a rejection here would be
        // unhandled and stop the whole process (a client that drops mid-body was enough).
        if (!(err instanceof HttpError)) {
          if (req.readableAborted || req.destroyed || gone) {
            res.destroy();
            return;
          }
          logger.error({ err }, 'unhandled error reading the request');
        }
        const problem = err instanceof HttpError ? err : new HttpError(500, 'internal error; the request was not applied');
        out = problemResponse(problem);
        // A body left unread (refused before or while reading it) is not worth reading: close after answering.
        if (!req.readableEnded) res.setHeader('connection', 'close');
      }
      if (!res.headersSent && !res.destroyed) await writeCoreResponse(res, out);
    });
  };
}
