/** A Postgres error in the log: code, message and statement, never the pg client it carries. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { serializeError } from '../../shared/log.js';
import { inStatement } from '../../shared/db/errors.js';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb({ migrate: false });
});
afterAll(async () => {
  await db.drop();
});

describe('the error serializer', () => {
  it('logs a Postgres error as its type, code, message, statement and stack only', async () => {
    const client = await db.pool.connect();
    const err: unknown = await client.query('select 1/0').catch(inStatement('divide')).catch((e: unknown) => e);
    client.release();
    // What pg hangs on some errors: the client, with its connection parameters.
    Object.assign(err as object, { client: { connectionParameters: { password: 'hunter2-secret' } } });
    const line = serializeError(err);
    expect(line).toMatchObject({ type: 'DatabaseError', code: '22012', message: 'division by zero', statement: 'divide' });
    expect(Object.keys(line).sort()).toEqual(['code', 'message', 'stack', 'statement', 'type']);

    const out: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => void (out.push(chunk.toString()), done()) });
    // The same serializer the service's logger is built with (shared/log.ts).
    pino({ serializers: { err: serializeError } }, sink).warn({ err }, 'append failed');
    expect(out.join('')).not.toContain('hunter2-secret');
    expect(out.join('').length).toBeLessThan(2_000);
  });

  it('keeps the cause chain, a few levels deep', () => {
    const inner = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    const outer = new Error('the event store is unavailable', { cause: inner });
    expect(serializeError(outer)).toMatchObject({ message: 'the event store is unavailable', cause: { code: '40P01' } });
  });
});
