/**
 * Bad input, tried on purpose (issue 4, part 4): fast-check throws malformed CloudEvents, huge
 * and deeply nested JSON, invalid UTF-8, odd content types, path traversal and SQL-looking
 * strings in every path segment and query parameter at both functions, over a real server.
 * Every answer must be a 4xx problem, the server must keep serving, and the database must be
 * exactly as it was (a fingerprint of every row of results, records and record_events).
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NAMESPACE_RE } from '../../shared/names.js';
import { EVENT_TYPE, RUN_TYPE } from '../../shared/event.js';
import { startTestServer, INGEST_TOKEN, QUERY_TOKEN, type TestServer } from '../helpers/server.js';
import { API, binaryHeaders, eventCe, newRun, storedEvent, type Run } from '../helpers/ce.js';

const RUNS = 40;
let srv: TestServer;
let seeded: { pr: Run; tr: Run; ns: string }[] = [];

// ---------- a raw HTTP client: fetch would normalise paths and refuse odd bytes ----------

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function raw(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Answer> {
  const u = new URL(srv.url);
  // Node's client frames a DELETE body only when told its length.
  if (body !== undefined && headers['transfer-encoding'] === undefined) headers = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    // A 413 may close the connection before the whole body is written: that is an answer too.
    req.on('error', reject);
    req.end(body);
  });
}

/** The property every bad request must have: a 4xx application/problem+json with all members. */
const KNOWN_PARAMS = new Set(['page_size', 'page_token', 'order_by', 'filter', 'fields', 'pageSize', 'pageToken', 'orderBy']);

function expectProblem(res: Answer, what: string): void {
  const ctx = `${what} → ${res.status} ${res.body.toString('utf8').slice(0, 300)}`;
  expect(res.status, ctx).toBeGreaterThanOrEqual(400);
  expect(res.status, ctx).toBeLessThan(500);
  expect(res.headers['content-type'], ctx).toBe('application/problem+json');
  const body = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
  expect(body, ctx).toMatchObject({ status: res.status, type: expect.any(String), title: expect.any(String) });
  expect(typeof body['detail'], ctx).toBe('string');
  expect(typeof body['message'], ctx).toBe('string');
  expect(typeof body['code'], ctx).toBe('number');
}

// ---------- the database must not change ----------

async function fingerprint(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of ['results', 'records', 'record_events']) {
    // Constant table names only; the row text of every row, in a stable order.
    const { rows } = await srv.db.pool.query<{ n: string; h: string | null }>(
      `select count(*) as n, md5(string_agg(t::text, E'\\n' order by t::text)) as h from ${table} t`,
    );
    out[table] = `${rows[0]!.n}:${rows[0]!.h ?? ''}`;
  }
  return out;
}

/** A normal request of each function still works. */
async function stillServing(): Promise<void> {
  const q = await raw('GET', `${API}/-/results`, { authorization: `Bearer ${QUERY_TOKEN}` });
  expect(q.status).toBe(200);
  const o = await raw('OPTIONS', '/ingest', { 'webhook-request-origin': 'forwarder.example.com' });
  expect(o.status).toBe(200);
}

// ---------- generators ----------

/** Fragments of hostile path segments, already in a form an HTTP request line may carry. */
const NASTY_FRAGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2e%2F',
  '..%2f..%2fetc%2fpasswd',
  '..%5c..%5c',
  '%00',
  '%ff',
  '%c0%ae%c0%ae',
  '%ed%a0%80',
  '%ZZ',
  '%',
  "'",
  "';--",
  '"',
  "1'%20OR%20'1'%3D'1",
  '%27%3B%20DROP%20TABLE%20results%3B--',
  'UNION%20SELECT%20*%20FROM%20settings',
  "pg_sleep(5)",
  '$(id)',
  '`id`',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  '%E2%80%AE',
  '%F0%9F%92%A9',
  '*',
  'A'.repeat(300),
  'Team-A',
  '%20',
  '%0d%0aSet-Cookie:%20x=1',
];

const fragment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_FRAGMENTS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => encodeURIComponent(s)) },
);

function decodedOrNull(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** A path segment that is never a valid name: at least one hostile fragment, never "-". */
const badSegment = fc
  .tuple(fc.constantFrom(...NASTY_FRAGMENTS), fc.array(fragment, { maxLength: 3 }))
  .map(([first, rest]) => [first, ...rest].join(''))
  .filter((s) => decodedOrNull(s) !== '-');

/** A parent that is neither a namespace nor "-". */
const badParent = badSegment.filter((s) => {
  const d = decodedOrNull(s);
  return d === null || (!NAMESPACE_RE.test(d) && d !== '-');
});

/** A segment that is not a result or record name either (a list under "-" finds no such result: 200, empty). */
const badName = badSegment.filter((s) => {
  const d = decodedOrNull(s);
  return d === null || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/.test(d);
});

/** A query value that no parser here accepts: it always ends in `;`, which no CEL expression can. */
const badValue = fc
  .tuple(fc.constantFrom("';--", "' OR '1'='1", '"; DROP TABLE records; --', '../../etc/passwd;', '1;2', '%00;'), fc.string({ maxLength: 30 }))
  .map(([a, b]) => `${a}${b};`);

// ---------- ingest inputs ----------

function validCe(): Record<string, unknown> {
  const run = newRun('TaskRun', 'fuzz-run');
  return eventCe(storedEvent({ namespace: 'fuzz' }), run, null, 'fuzz');
}

const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));

/** One change that makes a CloudEvent invalid, whatever values fast-check picks. */
const breakCe: fc.Arbitrary<(ce: Record<string, unknown>) => void> = fc.oneof(
  fc.constantFrom('specversion', 'id', 'source', 'type', 'data').map((k) => (ce: Record<string, unknown>) => void delete ce[k]),
  fc.oneof(fc.constantFrom('0.3', '1', '1.0 ', '2.0'), notAString).map((v) => (ce: Record<string, unknown>) => void (ce['specversion'] = v)),
  fc.tuple(fc.constantFrom('id', 'source', 'type'), fc.oneof(fc.constant(''), notAString)).map(([k, v]) => (ce: Record<string, unknown>) => void (ce[k] = v)),
  fc.string({ maxLength: 40 }).filter((t) => t !== EVENT_TYPE && t !== RUN_TYPE && t !== '').map((t) => (ce: Record<string, unknown>) => void (ce['type'] = t)),
  badValue.map((s) => (ce: Record<string, unknown>) => void (ce['subject'] = `namespaces/${s}/taskruns/fuzz-run`)),
  fc.constantFrom('namespaces/../taskruns/fuzz-run', 'namespaces/fuzz/taskruns/../../x', "namespaces/fuzz'--/taskruns/fuzz-run").map(
    (s) => (ce: Record<string, unknown>) => void (ce['subject'] = s),
  ),
  fc.oneof(fc.constantFrom('yesterday', '2026-13-45T99:99:99Z', "'; drop table results; --")).map((t) => (ce: Record<string, unknown>) => void (ce['time'] = t)),
  fc.constantFrom('text/plain', 'application/xml', 'application/json; charset=latin1', 'image/png').map(
    (t) => (ce: Record<string, unknown>) => void (ce['datacontenttype'] = t),
  ),
  fc.oneof(fc.string(), fc.integer(), fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 })).map((d) => (ce: Record<string, unknown>) => void (ce['data'] = d)),
  fc.tuple(fc.constantFrom('event', 'run'), notAString).map(([k, v]) => (ce: Record<string, unknown>) => {
    (ce['data'] as Record<string, unknown>)[k] = v;
  }),
  fc.tuple(fc.constantFrom('uid', 'kind'), badValue).map(([k, v]) => (ce: Record<string, unknown>) => {
    ((ce['data'] as Record<string, Record<string, unknown>>)['run']!)[k] = v;
  }),
  fc.constantFrom('metadata', 'regarding', 'reason').map((k) => (ce: Record<string, unknown>) => {
    delete ((ce['data'] as Record<string, Record<string, unknown>>)['event']!)[k];
  }),
  fc.constant((ce: Record<string, unknown>) => {
    ((ce['data'] as Record<string, Record<string, unknown>>)['event']!)['note'] = 'NUL \u0000 inside';
  }),
);

const badContentType = fc.oneof(
  fc.constantFrom(
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/cloudevents+xml',
    'application/cloudevents+json; charset=ISO-8859-1',
    'application/cloudevents-batch+json; charset=utf-16',
    'application/json',
    '*/*',
    ';;;',
    'application/cloudevents+json\u00e9',
  ),
  fc.stringMatching(/^[a-z]{1,10}\/[a-z0-9.+-]{1,20}$/).filter((t) => !/cloudevents/.test(t)),
);

beforeAll(async () => {
  srv = await startTestServer();
  // Some data, so that "unchanged" means something and lists have rows to leak.
  for (const ns of ['team-a', 'team-b']) {
    const pr = newRun('PipelineRun', `pr-${ns}`);
    const tr = newRun('TaskRun', `pr-${ns}-build`);
    const res = await fetch(`${srv.url}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${INGEST_TOKEN}` },
      body: JSON.stringify([
        eventCe(storedEvent({ namespace: ns, regardingKind: 'PipelineRun', regardingName: pr.name }), pr, null, ns),
        eventCe(storedEvent({ namespace: ns, reason: 'FailedScheduling', type: 'Warning' }), tr, pr, ns),
      ]),
    });
    expect(res.status).toBe(200);
    seeded.push({ pr, tr, ns });
  }
});

afterAll(async () => {
  await srv?.close();
  seeded = [];
});

const ingestAuth = { authorization: `Bearer ${INGEST_TOKEN}` };

describe('the ingest function under hostile input', () => {
  it('answers a 4xx problem and stores nothing for malformed CloudEvents in every content mode', async () => {
    const before = await fingerprint();
    await fc.assert(
      fc.asyncProperty(breakCe, fc.constantFrom('binary', 'structured', 'batch', 'batch-mixed'), async (mutate, mode) => {
        const ce = validCe();
        mutate(ce);
        let res: Answer;
        if (mode === 'binary') {
          // Headers carry only text: an attribute that is not a string is the JSON modes' case.
          fc.pre(Object.entries(ce).every(([k, v]) => k === 'data' || typeof v === 'string'));
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(binaryHeaders(ce))) headers[k] = v.replace(/[^\x20-\x7e]/g, '?');
          res = await raw('POST', '/ingest', { ...headers, ...ingestAuth }, JSON.stringify(ce['data'] ?? null));
        } else if (mode === 'structured') {
          res = await raw('POST', '/ingest', { 'content-type': 'application/cloudevents+json', ...ingestAuth }, JSON.stringify(ce));
        } else {
          // A bad event next to good ones: the whole batch is refused, the good ones not stored.
          const batch = mode === 'batch' ? [ce] : [validCe(), ce, validCe()];
          res = await raw('POST', '/ingest', { 'content-type': 'application/cloudevents-batch+json', ...ingestAuth }, JSON.stringify(batch));
        }
        expectProblem(res, `${mode} ${JSON.stringify(ce).slice(0, 200)}`);
      }),
      { numRuns: RUNS * 2 },
    );
    expect(await fingerprint()).toEqual(before);
    await stillServing();
  });

  it('answers a 4xx problem for bodies that are not JSON, not UTF-8, or sent with odd content types', async () => {
    const before = await fingerprint();
    const validBytes = () => Buffer.from(JSON.stringify([validCe()]));
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.string({ maxLength: 100 }).map((s) => Buffer.from(s)),
      // A valid batch with one byte made invalid UTF-8 (a lone continuation byte, an overlong form, a surrogate).
      fc.tuple(fc.nat(), fc.constantFrom([0xff], [0x80], [0xc0, 0xae], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80])).map(([at, bad]) => {
        const b = validBytes();
        const i = 1 + (at % (b.length - 2));
        return Buffer.concat([b.subarray(0, i), Buffer.from(bad), b.subarray(i)]);
      }),
      fc.constantFrom('', '[]', '{}', 'null', '[null]', '[[]]', '"x"', '1e999', '[{"specversion":"1.0"}]', '\ufeff[]'),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.oneof(fc.constantFrom('application/cloudevents-batch+json', 'application/cloudevents+json'), badContentType), async (b, ct) => {
        const res = await raw('POST', '/ingest', { 'content-type': ct, ...ingestAuth }, b);
        expectProblem(res, `${ct} ${b.toString('hex').slice(0, 80)}`);
      }),
      { numRuns: RUNS * 2 },
    );
    // A whole valid batch, only with a content type that does not say CloudEvents.
    await fc.assert(
      fc.asyncProperty(badContentType, async (ct) => {
        expectProblem(await raw('POST', '/ingest', { 'content-type': ct, ...ingestAuth }, validBytes()), ct);
      }),
      { numRuns: RUNS },
    );
    expect(await fingerprint()).toEqual(before);
    await stillServing();
  });

  it('answers 413 for bodies over the limit and 4xx for deeply nested JSON, then keeps serving', async () => {
    const before = await fingerprint();
    const limit = srv.fns.config.MAX_BODY_BYTES;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 64 * 1024 }), fc.boolean(), async (extra, declared) => {
        const big = Buffer.alloc(limit + extra, 0x20);
        const headers: Record<string, string> = { 'content-type': 'application/cloudevents-batch+json', ...ingestAuth };
        // Without a declared length, the body arrives chunked and is counted while it streams.
        if (!declared) headers['transfer-encoding'] = 'chunked';
        const res = await raw('POST', '/ingest', headers, big);
        expect(res.status).toBe(413);
        expectProblem(res, `huge ${limit + extra}`);
      }),
      { numRuns: 6 },
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1_000, max: 200_000 }), fc.constantFrom('body', 'attribute', 'reason', 'run'), async (depth, where) => {
        const deep = '['.repeat(depth) + ']'.repeat(depth);
        const ce = JSON.stringify(validCe());
        let body: string;
        if (where === 'body') body = deep;
        else if (where === 'attribute') body = `[${ce.replace(/^\{/, `{"deepext":${deep},`)}]`;
        else if (where === 'reason') body = `[${ce.replace(/"reason":"[^"]*"/, `"reason":${deep}`)}]`;
        else body = `[${ce.replace(/"run":\{[^}]*\}/, `"run":${deep}`)}]`;
        if (body.length > limit) return;
        const res = await raw('POST', '/ingest', { 'content-type': 'application/cloudevents-batch+json', ...ingestAuth }, body);
        expectProblem(res, `nested ${depth} in ${where}`);
      }),
      { numRuns: 12 },
    );
    expect(await fingerprint()).toEqual(before);
    await stillServing();
  });

  it('never fails with a 5xx on deeply nested fields it does not keep', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1_000, max: 200_000 }), fc.constantFrom('data', 'event', 'metadata'), async (depth, where) => {
        const deep = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
        const ce = JSON.stringify(validCe());
        const at = where === 'data' ? /"data":\{/ : where === 'event' ? /"event":\{/ : /"metadata":\{/;
        const body = `[${ce.replace(at, (m) => `${m}"extra":${deep},`)}]`;
        if (body.length > srv.fns.config.MAX_BODY_BYTES) return;
        const res = await raw('POST', '/ingest', { 'content-type': 'application/cloudevents-batch+json', ...ingestAuth }, body);
        // Unknown fields are dropped (200) or the nesting is refused (4xx); the server never breaks.
        if (res.status !== 200) expectProblem(res, `nested ${depth} in ${where}`);
      }),
      { numRuns: 8 },
    );
    await stillServing();
  });

  it('answers 401/404/405 problems for hostile tokens, paths and methods', async () => {
    const before = await fingerprint();
    const body = JSON.stringify([validCe()]);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          badValue.map((v) => ({ path: '/ingest', headers: { authorization: `Bearer ${v.replace(/[^\x21-\x7e]/g, '')}x` } })),
          badValue.map((v) => ({ path: `/ingest?access_token=${encodeURIComponent(v)}`, headers: {} })),
          fc.string({ maxLength: 50 }).map((v) => ({ path: '/ingest', headers: { authorization: v.replace(/[^\x20-\x7e]/g, '') } })),
          badSegment.map((s) => ({ path: `/ingest/${s}`, headers: ingestAuth })),
          badSegment.map((s) => ({ path: `/${s}/ingest`, headers: ingestAuth })),
        ),
        fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET'),
        async ({ path, headers }, method) => {
          const res = await raw(method, path, { 'content-type': 'application/cloudevents-batch+json', ...headers }, method === 'GET' ? undefined : body);
          expectProblem(res, `${method} ${path} ${JSON.stringify(headers)}`);
        },
      ),
      { numRuns: RUNS * 2 },
    );
    expect(await fingerprint()).toEqual(before);
    await stillServing();
  });

  it('stores SQL-looking text inside a valid event verbatim, as data, and every table stays intact', async () => {
    await fc.assert(
      fc.asyncProperty(badValue, async (text) => {
        const run = newRun('TaskRun', 'sql-run');
        const ev = storedEvent({ namespace: 'fuzz-sql', reason: text.slice(0, 256), note: text });
        const res = await raw('POST', '/ingest', { 'content-type': 'application/cloudevents-batch+json', ...ingestAuth }, JSON.stringify([eventCe(ev, run, null, 'fuzz-sql')]));
        expect(res.status, res.body.toString()).toBe(200);
        const { rows } = await srv.db.pool.query<{ reason: string }>({
          text: 'select e.reason from record_events e join records r on r.id = e.record_id where r.run_uid = $1',
          values: [run.uid],
        });
        expect(rows.map((r) => r.reason)).toEqual([text.slice(0, 256)]);
      }),
      { numRuns: 15 },
    );
    const { rows } = await srv.db.pool.query<{ n: string }>("select count(*) as n from results where parent in ('team-a', 'team-b')");
    expect(Number(rows[0]!.n)).toBe(2);
    await stillServing();
  });
});

/** Bytes straight onto a socket: what no HTTP client library would send. */
function rawSocket(bytes: Buffer): Promise<string> {
  const u = new URL(srv.url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(Number(u.port), u.hostname, () => sock.end(bytes));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    sock.on('error', reject);
  });
}

describe('the HTTP server under malformed requests', () => {
  it('answers requests the HTTP parser refuses with a 4xx problem too', async () => {
    const requestBytes = fc.oneof(
      // Starting with a byte that is not CR/LF: a parser skips leading empty lines and would wait for more.
      fc.uint8Array({ minLength: 1, maxLength: 100 }).map((b) => Buffer.concat([Buffer.from('X'), Buffer.from(b), Buffer.from('\r\n\r\n')])),
      fc.constantFrom(
        'GET /ingest HTTP/9.9\r\n\r\n',
        'POST /ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
        'POST /ingest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
        'GET /apis/x\x00y HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET / HTTP/1.1\r\nBad Header: x\r\n\r\n',
        `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      ).map((s) => Buffer.from(s, 'latin1')),
    );
    await fc.assert(
      fc.asyncProperty(requestBytes, async (bytes) => {
        const answer = await rawSocket(bytes);
        const m = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
        expect(m, answer.slice(0, 200)).not.toBeNull();
        const status = Number(m![1]);
        expect(status, answer.slice(0, 300)).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
        expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
        const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
        expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String), code: expect.any(Number), message: expect.any(String) });
      }),
      { numRuns: RUNS },
    );
    await stillServing();
  });

  it('keeps serving when clients drop the connection in the middle of a body', async () => {
    const u = new URL(srv.url);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve) => {
        const sock = connect(Number(u.port), u.hostname, () => {
          sock.write(`POST /ingest HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${INGEST_TOKEN}\r\nContent-Type: application/cloudevents-batch+json\r\nContent-Length: 100000\r\n\r\n[{"specversion":`);
          // An abortive close (RST) while the server is still reading the body.
          setImmediate(() => sock.resetAndDestroy());
        });
        sock.on('close', () => resolve());
        sock.on('error', () => resolve());
      });
    }
    await stillServing();
  });
});

describe('the query function under hostile input', () => {
  const auth = () => ({ authorization: `Bearer ${QUERY_TOKEN}` });
  /** Every route shape, with one position replaced by a hostile segment. */
  const hostilePath = fc.oneof(
    badParent.map((p) => `/${p}/results`),
    badParent.map((p) => `/${p}/results/-/records`),
    fc.tuple(badParent, fc.uuid()).map(([p, u]) => `/${p}/results/${u}`),
    badSegment.map((r) => `/team-a/results/${r}`),
    badSegment.map((r) => `/team-a/results/${r}/records`),
    badName.map((r) => `/-/results/${r}/records`),
    fc.tuple(badSegment, fc.uuid()).map(([rec, u]) => `/team-a/results/${u}/records/${rec}`),
    badSegment.map((x) => `/team-a/${x}`),
    badSegment.map((x) => `/team-a/results/-/${x}`),
    badSegment.map((x) => `/team-a/results/-/records/x/${x}`),
  );

  it('answers a 4xx problem for path traversal, SQL and bad encoding in every path segment', async () => {
    const before = await fingerprint();
    await fc.assert(
      fc.asyncProperty(hostilePath, fc.constantFrom('GET', 'DELETE', 'POST', 'PUT'), async (path, method) => {
        const res = await raw(method, `${API}${path}`, auth());
        expectProblem(res, `${method} ${path}`);
      }),
      { numRuns: RUNS * 3 },
    );
    expect(await fingerprint()).toEqual(before);
    await stillServing();
  });

  it('does not let dot-segments walk to another route or namespace', async () => {
    const { pr } = seeded[1]!;
    for (const path of [
      `${API}/team-a/../team-b/results`,
      `${API}/team-a/%2e%2e/team-b/results/${pr.uid}`,
      `${API}/x/..%2f..%2f..%2f..%2fingest`,
      `${API}/team-a/results/..\\..\\team-b`,
      `/apis/results.tekton.dev/v1alpha2/parents/../../../../ingest`,
      `/ingest/../healthz`,
    ]) {
      expectProblem(await raw('GET', path, auth()), path);
    }
  });

  it('answers a 4xx problem for SQL and junk in every query parameter of the list calls', async () => {
    const before = await fingerprint();
    const param = fc.oneof(
      fc.tuple(fc.constantFrom('page_size', 'page_token', 'order_by', 'filter'), badValue),
      fc.tuple(badValue, fc.string({ maxLength: 10 })),
      fc.tuple(fc.constantFrom('page_size'), fc.constantFrom('-1', '1e3', '0x10', '99999999999', '10001', ' 5', '5.0', 'NaN')),
      fc.tuple(fc.constantFrom('order_by'), fc.constantFrom('id', 'create_time;', 'create_time asc, id', 'update_time DESC NULLS FIRST')),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/team-a/results', '/-/results', `/-/results/-/records`, '/team-a/results/-/records'),
        param,
        fc.boolean(),
        async (path, [k, v], twice) => {
          const q = new URLSearchParams([[k, v]]);
          if (twice) q.append(k, v);
          const res = await raw('GET', `${API}${path}?${q.toString()}`, auth());
          // grpc-gateway ignores parameters it does not know (Results clients rely on it): junk
          // there is answered as if absent; a known parameter with junk, or given twice, is a 400.
          if (!KNOWN_PARAMS.has(k)) {
            expect(res.status, `${path}?${q.toString()}`).toBe(200);
            return;
          }
          expectProblem(res, `${path}?${q.toString()}`);
        },
      ),
      { numRuns: RUNS * 3 },
    );
    expect(await fingerprint()).toEqual(before);
    await stillServing();
  });

  it('answers 401 problems for hostile or misplaced tokens', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          badValue.map((v) => ({ authorization: `Bearer ${v.replace(/[^\x21-\x7e]/g, '')}x` })),
          fc.string({ maxLength: 60 }).map((v) => ({ authorization: v.replace(/[^\x20-\x7e]/g, '') })),
          fc.constant({ authorization: `Bearer ${INGEST_TOKEN}` }),
          fc.constant({ authorization: `Basic ${Buffer.from(`u:${QUERY_TOKEN}`).toString('base64')}` }),
          fc.constant({}),
        ),
        fc.constantFrom('/team-a/results', '/-/results/-/records', `/team-a/results/00000000-0000-4000-8000-000000000000`),
        async (headers, path) => {
          const res = await raw('GET', `${API}${path}`, headers);
          expect(res.status).toBe(401);
          expectProblem(res, `${path} ${JSON.stringify(headers)}`);
        },
      ),
      { numRuns: RUNS },
    );
    await stillServing();
  });
});
