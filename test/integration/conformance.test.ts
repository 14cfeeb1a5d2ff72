/**
 * The official CloudEvents conformance cases (vendored in test/fixtures/cloudevents-conformance) replayed against
 * the ingest endpoint in binary, structured and batched mode. Foreign types, non-JSON data and
 * specversion 0.3 get a precise 400/415; the same cases carrying our type and data are stored.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, INGEST_TOKEN, type TestServer } from '../helpers/server.js';
import { eventCe, jsonOf, newRun, storedEvent } from '../helpers/ce.js';
import { EVENT_TYPE } from '../../shared/event.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/cloudevents-conformance/yaml');

interface Case {
  file: string;
  title: string;
  mode: string;
  attrs: Record<string, string>;
  extensions: Record<string, string>;
  transport: Record<string, string>;
  data: string;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : p.endsWith('.yaml') ? [p] : [];
  });
}

function loadCases(): Case[] {
  return yamlFiles(ROOT).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    // failsafe: every scalar stays a string, so `specversion: 1.0` is "1.0", not 1.
    return parseAllDocuments(text, { schema: 'failsafe' }).map((doc, i) => {
      const raw = doc.toJS() as Record<string, Record<string, unknown> | string>;
      const ctx = { ...(raw['ContextAttributes'] as Record<string, unknown>) };
      const extensions = (ctx['Extensions'] as Record<string, string> | undefined) ?? {};
      delete ctx['Extensions'];
      const comment = doc.commentBefore?.trim();
      return {
        file: path.relative(ROOT, file),
        title: `${path.relative(ROOT, file)}#${i}${comment ? ` (${comment})` : ''}`,
        mode: String(raw['Mode'] ?? 'binary'),
        attrs: ctx as Record<string, string>,
        extensions: Object.fromEntries(Object.entries(extensions).map(([k, v]) => [k, String(v).trim()])),
        transport: (raw['TransportExtensions'] as Record<string, string> | undefined) ?? {},
        data: String(raw['Data'] ?? '').trim(),
      };
    });
  });
}

const cases = loadCases();
const MODES = ['binary', 'structured', 'batch'] as const;
type Mode = (typeof MODES)[number];

function isJson(ct: string | undefined): boolean {
  return ct === undefined || /^application\/json/i.test(ct);
}

function request(c: Case, mode: Mode, over: { type?: string; data?: unknown } = {}): RequestInit {
  const attrs: Record<string, unknown> = { ...c.attrs, ...c.extensions };
  if (over.type) attrs['type'] = over.type;
  const ct = c.attrs['datacontenttype'];
  const headers: Record<string, string> = { authorization: `Bearer ${INGEST_TOKEN}`, ...c.transport };
  if (mode === 'binary') {
    for (const [k, v] of Object.entries(attrs)) if (k !== 'datacontenttype') headers[`ce-${k}`] = encodeURIComponent(String(v));
    if (ct) headers['content-type'] = ct;
    // Bytes, not a string: fetch would add "text/plain" to a string body that has no Content-Type.
    return { method: 'POST', headers, body: Buffer.from(over.data !== undefined ? JSON.stringify(over.data) : c.data) };
  }
  const event = { ...attrs, data: over.data !== undefined ? over.data : isJson(ct) ? JSON.parse(c.data) : c.data };
  headers['content-type'] = mode === 'structured' ? 'application/cloudevents+json' : 'application/cloudevents-batch+json';
  return { method: 'POST', headers, body: JSON.stringify(mode === 'structured' ? event : [event]) };
}

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

describe('CloudEvents conformance cases', () => {
  it('found the conformance cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(14);
    expect(cases.filter((c) => c.attrs['specversion'] === '1.0').length).toBeGreaterThanOrEqual(7);
  });

  for (const c of cases) {
    for (const mode of MODES) {
      const v03 = c.attrs['specversion'] !== '1.0';
      const json = isJson(c.attrs['datacontenttype']);
      const expected = v03 ? 400 : json ? 400 : 415;
      const why = v03 ? /specversion/ : json ? /unsupported event type/ : /not supported: data must be application\/json/;

      it(`answers ${c.title} in ${mode} mode with ${expected}`, async () => {
        const res = await fetch(`${srv.url}/ingest`, request(c, mode));
        expect(res.status).toBe(expected);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        const problem = await jsonOf(res);
        expect(problem.detail).toMatch(why);
        expect(problem.status).toBe(expected);
      });

      if (!v03 && json) {
        it(`stores ${c.title} in ${mode} mode once it carries our type and data`, async () => {
          const tr = newRun('TaskRun', `conformance-${mode}`);
          const ours = eventCe(storedEvent({}), tr, null);
          // Our subject, so the event names its run; the rest of the case's attributes stay.
          const withSubject: Case = { ...c, attrs: { ...c.attrs, subject: String(ours['subject']) } };
          const res = await fetch(`${srv.url}/ingest`, request(withSubject, mode, { type: EVENT_TYPE, data: ours['data'] }));
          expect(res.status).toBe(200);
          const { rows } = await srv.db.pool.query({ text: 'select count(*)::int as n from records where run_uid = $1', values: [tr.uid] });
          expect(rows[0].n).toBe(1);
        });
      }
    }
  }
});
