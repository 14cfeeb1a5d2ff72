/**
 * Page tokens: opaque to callers, tamper-evident (HMAC-SHA256), and bound to the query they
 * were made for (parent, result, filter, order), so one cannot be replayed against another.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { HttpError } from '../../shared/http/problem.js';
import type { Cursor } from '../../shared/store/listing.js';

/** `k`: in a records list, whether the last record was a row's EventList (`e`) or run record (`r`). */
const Payload = z.object({ v: z.literal(1), q: z.string(), s: z.string().max(64), i: z.uuid(), k: z.enum(['e', 'r']).optional() });
const KIND_CODE = { eventList: 'e', run: 'r' } as const;

function queryHash(scope: string): string {
  return createHash('sha256').update(scope).digest('base64url').slice(0, 22);
}

export class PageTokens {
  constructor(private readonly secret: string) {}

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }

  /** `scope` names the query: every parameter but page_size and page_token. */
  encode(scope: string, cursor: Cursor): string {
    const k = cursor.kind ? KIND_CODE[cursor.kind] : undefined;
    const payload = Buffer.from(JSON.stringify({ v: 1, q: queryHash(scope), s: cursor.sortValue, i: cursor.id, ...(k ? { k } : {}) })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  decode(scope: string, token: string): Cursor {
    const [payload, mac, extra] = token.split('.');
    if (!payload || !mac || extra !== undefined) throw new HttpError(400, 'invalid page_token: malformed');
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw new HttpError(400, 'invalid page_token: it was not issued by this server or was altered');
    }
    let parsed: z.infer<typeof Payload>;
    try {
      parsed = Payload.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    } catch {
      throw new HttpError(400, 'invalid page_token: malformed');
    }
    if (parsed.q !== queryHash(scope)) {
      throw new HttpError(400, 'invalid page_token: it was made for a different parent, result, filter or order_by');
    }
    const cursor: Cursor = { sortValue: parsed.s, id: parsed.i };
    if (parsed.k) cursor.kind = parsed.k === 'e' ? 'eventList' : 'run';
    return cursor;
  }
}
