import { describe, expect, it } from 'vitest';
import { matchRoute } from '../../functions/query/routes.js';
import { parseListParams, parseOrderBy } from '../../functions/query/params.js';
import { PageTokens } from '../../functions/query/pageToken.js';
import { HttpError, problemResponse } from '../../shared/http/problem.js';

const P = '/apis/results.tekton.dev/v1alpha2/parents';

describe('routes', () => {
  it('matches every call of the Results REST shape', () => {
    expect(matchRoute('GET', `${P}/ci/results`)).toEqual({ op: 'listResults', parent: 'ci' });
    expect(matchRoute('GET', `${P}/-/results/`)).toEqual({ op: 'listResults', parent: '-' });
    expect(matchRoute('GET', `${P}/ci/results/abc`)).toEqual({ op: 'getResult', parent: 'ci', result: 'abc' });
    expect(matchRoute('DELETE', `${P}/ci/results/abc`)).toEqual({ op: 'deleteResult', parent: 'ci', result: 'abc' });
    expect(matchRoute('GET', `${P}/ci/results/-/records`)).toEqual({ op: 'listRecords', parent: 'ci', result: '-' });
    expect(matchRoute('GET', `${P}/ci/results/abc/records/def`)).toEqual({ op: 'getRecord', parent: 'ci', result: 'abc', record: 'def' });
    expect(matchRoute('GET', '/elsewhere')).toBeUndefined();
  });
  it.each([
    ['GET', `${P}/ci/results/a%2Fb`, 400],
    ['GET', `${P}/ci/results/%E0%A4%A`, 400],
    ['GET', `${P}/ci/results/a/records/b/c`, 404],
    ['PUT', `${P}/ci/results/a`, 405],
    ['GET', `${P}/CI/results`, 400],
  ])('answers %s %s with %i', (method, path, status) => {
    expect(() => matchRoute(method, path)).toThrow(expect.objectContaining({ status }));
  });
});

describe('list parameters', () => {
  it('defaults to 50 items oldest first, and reads 0 as the default', () => {
    expect(parseListParams(new URLSearchParams())).toEqual({ pageSize: 50, pageToken: undefined, order: { column: 'create_time', direction: 'asc' }, filter: '' });
    expect(parseListParams(new URLSearchParams('page_size=0')).pageSize).toBe(50);
    expect(parseListParams(new URLSearchParams('page_size=10000')).pageSize).toBe(10000);
  });
  it('reads order_by case-insensitively', () => {
    expect(parseOrderBy('UPDATE_TIME DESC')).toEqual({ column: 'update_time', direction: 'desc' });
  });
  it('refuses a parameter given twice', () => {
    expect(() => parseListParams(new URLSearchParams('page_size=1&page_size=2'))).toThrow(/given 2 times/);
  });
});

describe('page tokens', () => {
  const tokens = new PageTokens('secret-secret-secret');
  const cursor = { sortValue: '2026-01-02 03:04:05.123456+00', id: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b' };
  it('round-trip for the query they were made for', () => {
    expect(tokens.decode('q1', tokens.encode('q1', cursor))).toEqual(cursor);
  });
  it('are refused for another query, another secret, or when altered', () => {
    const t = tokens.encode('q1', cursor);
    expect(() => tokens.decode('q2', t)).toThrow(/different/);
    expect(() => new PageTokens('another-secret-value').decode('q1', t)).toThrow(/not issued by this server/);
    expect(() => tokens.decode('q1', `${t}x`)).toThrow(HttpError);
    expect(() => tokens.decode('q1', 'only-one-part')).toThrow(/malformed/);
  });
});

describe('problem responses', () => {
  it('carry RFC 9457 members and the gRPC code and message Tekton Results clients read', () => {
    const res = problemResponse(new HttpError(404, 'result ci/results/x not found'));
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(String(res.body))).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'result ci/results/x not found',
      code: 5,
      message: 'result ci/results/x not found',
    });
  });
});
