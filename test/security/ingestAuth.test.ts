import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/config.js';
import { ingestTokens } from '../../functions/ingest/token.js';
import { MAX_TOKEN_BYTES, tokenChecker } from '../../shared/http/auth.js';
import { startTestServer, INGEST_TOKEN, type TestServer } from '../helpers/server.js';
import { eventCe, newRun, storedEvent } from '../helpers/ce.js';

let srv: TestServer;
let dir: string;

function oneEvent(): string {
  const run = newRun('TaskRun', 'build');
  return JSON.stringify([eventCe(storedEvent({}), run, null)]);
}

async function post(url: string, headers: Record<string, string>, query = ''): Promise<Response> {
  return fetch(`${url}/ingest${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/cloudevents-batch+json', ...headers },
    body: oneEvent(),
  });
}

async function options(headers: Record<string, string>): Promise<Response> {
  return fetch(`${srv.url}/ingest`, { method: 'OPTIONS', headers });
}

async function count(): Promise<number> {
  const { rows } = await srv.db.pool.query<{ n: string }>('select count(*) as n from record_events');
  return Number(rows[0]!.n);
}

beforeAll(async () => {
  srv = await startTestServer();
  dir = await mkdtemp(path.join(tmpdir(), 'ingest-token-'));
});
afterAll(async () => {
  await srv?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('ingest webhook validation handshake', () => {
  it('consents to the requesting origin with 200, WebHook-Allowed-Origin, WebHook-Allowed-Rate and Allow', async () => {
    const res = await options({ 'webhook-request-origin': 'eventemitter.example.com', 'webhook-request-rate': '120' });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventemitter.example.com');
    expect(res.headers.get('webhook-allowed-rate')).toBe('*');
    expect(res.headers.get('allow')).toContain('POST');
  });

  it('answers the handshake without a token, as senders such as Event Grid ask before they have one', async () => {
    const res = await options({ 'webhook-request-origin': 'eventgrid.azure.net' });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
    // The rate is returned even when none was asked for (the spec's SHOULD).
    expect(res.headers.get('webhook-allowed-rate')).toBe('*');
  });

  it('grants synchronously when a callback URL is offered and never calls it', async () => {
    const res = await options({
      'webhook-request-origin': 'eventgrid.azure.net',
      'webhook-request-callback': 'http://169.254.169.254/latest/meta-data/?key=x',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('webhook-allowed-origin')).toBe('eventgrid.azure.net');
  });

  it('consents to nothing on a plain OPTIONS without WebHook-Request-Origin', async () => {
    const res = await options({});
    expect(res.status).toBe(200);
    expect(res.headers.get('allow')).toBe('POST, OPTIONS');
    expect(res.headers.get('webhook-allowed-origin')).toBeNull();
  });

  it.each([
    ['an origin with a path', { 'webhook-request-origin': 'example.com/evil' }],
    ['an origin that is a URL', { 'webhook-request-origin': 'https://example.com' }],
    ['two origins', { 'webhook-request-origin': 'a.example.com, b.example.com' }],
    ['a very long origin', { 'webhook-request-origin': `${'a'.repeat(60)}.`.repeat(5) + 'com' }],
    ['a rate of zero', { 'webhook-request-origin': 'example.com', 'webhook-request-rate': '0' }],
    ['a rate that is not a number', { 'webhook-request-origin': 'example.com', 'webhook-request-rate': 'lots' }],
    ['a rate without an origin', { 'webhook-request-rate': '10' }],
  ])('refuses %s with a 400 problem and echoes nothing', async (_what, headers) => {
    const res = await options(headers as Record<string, string>);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.headers.get('webhook-allowed-origin')).toBeNull();
    expect(await res.json()).toMatchObject({ status: 400, code: 3 });
  });
});

describe('ingest token', () => {
  it('accepts the token as a bearer header or as ?access_token=, and marks the answer private', async () => {
    const a = await post(srv.url, { authorization: `Bearer ${INGEST_TOKEN}` });
    expect(a.status).toBe(200);
    const b = await post(srv.url, {}, `?access_token=${encodeURIComponent(INGEST_TOKEN)}`);
    expect(b.status).toBe(200);
    expect(b.headers.get('cache-control')).toBe('private');
  });

  it.each([
    ['no token', {}, ''],
    ['a token that differs in the last character', { authorization: `Bearer ${INGEST_TOKEN.slice(0, -1)}X` }, ''],
    ['a prefix of the token', { authorization: `Bearer ${INGEST_TOKEN.slice(0, 8)}` }, ''],
    ['the token with more after it', { authorization: `Bearer ${INGEST_TOKEN}0` }, ''],
    ['another scheme', { authorization: `Basic ${Buffer.from(`x:${INGEST_TOKEN}`).toString('base64')}` }, ''],
    ['an empty query token', {}, '?access_token='],
    ['a wrong query token', {}, '?access_token=wrong-wrong-wrong-wrong'],
  ])('answers 401 with WWW-Authenticate and stores nothing for %s', async (_what, headers, q) => {
    const before = await count();
    const res = await post(srv.url, headers as Record<string, string>, q);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await count()).toBe(before);
  });

  it('refuses methods other than POST and OPTIONS with 405 and Allow', async () => {
    const res = await fetch(`${srv.url}/ingest`, { method: 'GET', headers: { authorization: `Bearer ${INGEST_TOKEN}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST, OPTIONS');
  });
});

describe('INGEST_TOKEN_FILE', () => {
  it('serves with the token from a mounted secret file, ignoring its final newline', async () => {
    const file = path.join(dir, 'token');
    const token = 'token-from-a-mounted-secret-0001';
    await writeFile(file, `${token}\n`);
    const fromFile = await startTestServer({ INGEST_TOKEN: '', INGEST_TOKEN_FILE: file });
    try {
      expect((await post(fromFile.url, { authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await post(fromFile.url, { authorization: `Bearer ${INGEST_TOKEN}` })).status).toBe(401);
    } finally {
      await fromFile.close();
    }
  });

  it('accepts every token of a file with one per line, so a token can be rotated', async () => {
    const file = path.join(dir, 'rotating');
    const [next, old] = ['token-rotated-in-now-0000000002', 'token-being-rotated-out-000001'];
    await writeFile(file, `${next}\r\n\n${old}\n`);
    expect(ingestTokens({ INGEST_TOKEN_FILE: file })).toEqual([next, old]);
    const rotating = await startTestServer({ INGEST_TOKEN: '', INGEST_TOKEN_FILE: file });
    try {
      expect((await post(rotating.url, { authorization: `Bearer ${next}` })).status).toBe(200);
      expect((await post(rotating.url, { authorization: `Bearer ${old}` })).status).toBe(200);
      expect((await post(rotating.url, { authorization: `Bearer ${INGEST_TOKEN}` })).status).toBe(401);
    } finally {
      await rotating.close();
    }
  });

  it('fails at start for a missing or unusable file, or when both sources are set', async () => {
    const write = async (name: string, text: string) => {
      await writeFile(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const short = await write('short', 'abc\n');
    const spaced = await write('spaced', 'two tokens-on-one-line-here\n');
    const secondBad = await write('second-bad', 'a-good-token-0123456789\nshort\n');
    const empty = await write('empty', '\n\n');
    const many = await write('many', Array.from({ length: 9 }, (_, i) => `token-number-${i}-0123456789`).join('\n'));
    expect(() => ingestTokens({ INGEST_TOKEN_FILE: path.join(dir, 'missing') })).toThrow(/cannot be read: ENOENT/);
    expect(() => ingestTokens({ INGEST_TOKEN_FILE: short })).toThrow(ConfigError);
    expect(() => ingestTokens({ INGEST_TOKEN_FILE: spaced })).toThrow(/line 1: .*without spaces/);
    expect(() => ingestTokens({ INGEST_TOKEN_FILE: secondBad })).toThrow(/line 2: a token must be 16 characters to 512 bytes/);
    const long = await write('long', `${'x'.repeat(513)}\n`);
    expect(() => ingestTokens({ INGEST_TOKEN_FILE: long })).toThrow(/line 1: a token must be 16 characters to 512 bytes/);
    expect(() => ingestTokens({ INGEST_TOKEN: 'x'.repeat(513) })).toThrow(/longer than 512 bytes/);
    expect(() => ingestTokens({ INGEST_TOKEN_FILE: empty })).toThrow(/holds no token/);
    expect(() => ingestTokens({ INGEST_TOKEN_FILE: many })).toThrow(/holds 9 tokens; at most 8/);
    expect(() => ingestTokens({ INGEST_TOKEN: INGEST_TOKEN, INGEST_TOKEN_FILE: short })).toThrow(/not both/);
    expect(() => ingestTokens({})).toThrow(/INGEST_TOKEN or INGEST_TOKEN_FILE/);
  });
});

describe('tokenChecker', () => {
  const a = 'first-token-0123456789';
  const b = 'second-token-0123456789';
  const accepts = tokenChecker([a, b]);

  it('accepts each expected token, exactly', () => {
    expect(accepts(a)).toBe(true);
    expect(accepts(b)).toBe(true);
  });

  it('refuses prefixes, extensions, padding look-alikes, other tokens and oversized ones', () => {
    expect(accepts(a.slice(0, -1))).toBe(false);
    expect(accepts(`${a}0`)).toBe(false);
    // Zero padding must not make a token equal to one with trailing NULs.
    expect(accepts(`${a}\u0000`)).toBe(false);
    expect(accepts('')).toBe(false);
    expect(accepts('third-token-0123456789')).toBe(false);
    expect(accepts('x'.repeat(MAX_TOKEN_BYTES + 1))).toBe(false);
  });

  it('compares UTF-8 bytes, not UTF-16 units', () => {
    const wide = tokenChecker(['ünïcode-token-0123456789']);
    expect(wide('ünïcode-token-0123456789')).toBe(true);
    expect(wide('unicode-token-0123456789')).toBe(false);
  });

  it('refuses to be built with a token over the bound', () => {
    expect(() => tokenChecker(['y'.repeat(MAX_TOKEN_BYTES + 1)])).toThrow(ConfigError);
  });
});
