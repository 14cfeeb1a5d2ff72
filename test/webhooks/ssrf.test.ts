import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressProblem, urlProblem } from '../../shared/webhooks/targets.js';
import { callTarget, TargetFailure, type TargetGuard } from '../../shared/webhooks/request.js';
import { startTestServer, closeServer, type TestServer } from '../helpers/server.js';
import { api } from './helpers.js';

describe('the SSRF guard', () => {
  it.each([
    '127.0.0.1',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.10.10',
    'fe80::1',
    'fd12:3456::1',
    '0.0.0.0',
    '100.64.0.1',
  ])('refuses %s unless private targets are allowed', (ip) => {
    expect(addressProblem(ip, false)).toMatch(/SUBSCRIPTION_ALLOW_PRIVATE_TARGETS/);
    expect(addressProblem(ip, true)).toBeUndefined();
  });

  it.each(['169.254.169.254', 'fd00:ec2::254', '::ffff:169.254.169.254', '224.0.0.1', '255.255.255.255'])('refuses %s always', (ip) => {
    expect(addressProblem(ip, true)).toMatch(/never a webhook target/);
  });

  it.each(['93.184.215.14', '2606:4700::6810:84e5', '8.8.8.8'])('allows the public address %s', (ip) => {
    expect(addressProblem(ip, false)).toBeUndefined();
  });

  it('refuses URLs it can tell are bad before any request', () => {
    expect(urlProblem('http://[::1]:8080/x', false)).toMatchObject({ problem: expect.stringMatching(/::1/) });
    expect(urlProblem('http://127.0.0.1/x', false)).toMatchObject({ problem: expect.stringMatching(/127\.0\.0\.1/) });
    expect(urlProblem('http://localhost/x', false)).toMatchObject({ problem: expect.stringMatching(/localhost/) });
    expect(urlProblem('http://user:pw@example.com/x', false)).toMatchObject({ problem: expect.stringMatching(/credentials/) });
    expect(urlProblem('file:///etc/passwd', true)).toMatchObject({ problem: expect.stringMatching(/http or https/) });
    expect(urlProblem('https://hooks.example.com/x', false)).toHaveProperty('url');
  });
});

describe('requests to targets', () => {
  let target: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    target = createServer((req, res) => {
      hits++;
      if (req.url === '/redirect') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      else if (req.url === '/big') res.writeHead(500).end('x'.repeat(1_000_000));
      else res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    port = (target.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await closeServer(target);
  });

  const post = (url: string, guard: TargetGuard) => callTarget({ url: new URL(url), method: 'POST', headers: {}, body: '{}', timeoutMs: 2000 }, guard);

  it('refuse 127.0.0.1 when private targets are not allowed, without connecting', async () => {
    const before = hits;
    await expect(post(`http://127.0.0.1:${port}/`, { allowPrivate: false })).rejects.toMatchObject({ kind: 'refused' });
    expect(hits).toBe(before);
  });

  it('refuse [::1] and the metadata address', async () => {
    await expect(post(`http://[::1]:${port}/`, { allowPrivate: false })).rejects.toMatchObject({ kind: 'refused' });
    await expect(post('http://169.254.169.254/latest/meta-data/', { allowPrivate: true })).rejects.toMatchObject({ kind: 'refused' });
  });

  it('refuse a name that resolves to a private address, checked on the address connected to', async () => {
    const before = hits;
    const resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    const err = await post(`http://hooks.example.test:${port}/`, { allowPrivate: false, resolver }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetFailure);
    expect((err as TargetFailure).kind).toBe('refused');
    expect((err as TargetFailure).message).toMatch(/hooks\.example\.test resolves to 127\.0\.0\.1/);
    expect(hits).toBe(before);
    // A name with one public and one private address is refused too (rebinding by round robin).
    const mixed = async () => [{ address: '93.184.215.14', family: 4 }, { address: '10.0.0.5', family: 4 }];
    await expect(post(`http://mixed.example.test:${port}/`, { allowPrivate: false, resolver: mixed })).rejects.toMatchObject({ kind: 'refused' });
  });

  it('connect to the address the guard checked, not to a second answer for the name', async () => {
    let calls = 0;
    // First answer: our local target (allowed here); any later answer would be the metadata server.
    const resolver = async () => (calls++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }]);
    const answer = await callTarget({ url: new URL(`http://rebind.example.test:${port}/`), method: 'POST', headers: {}, body: '{}', timeoutMs: 2000 }, { allowPrivate: true, resolver });
    expect(answer.status).toBe(200);
    expect(calls).toBe(1);
  });

  it('follow no redirect and read a large answer only to a small bound', async () => {
    const r = await post(`http://127.0.0.1:${port}/redirect`, { allowPrivate: true });
    expect(r.status).toBe(302);
    const big = await post(`http://127.0.0.1:${port}/big`, { allowPrivate: true });
    expect(big.status).toBe(500);
    expect(big.body.length).toBeLessThanOrEqual(4096);
  });
});

describe('subscriptions to private targets', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ SUBSCRIPTION_ALLOW_PRIVATE_TARGETS: 'false' });
  });
  afterAll(async () => {
    await srv?.close();
  });

  it.each(['http://127.0.0.1:9/hook', 'http://[::1]:9/hook', 'http://169.254.169.254/latest', 'http://localhost:9/hook'])('are refused: %s', async (url) => {
    const res = await api(srv.url, 'POST', '', { url, namespaces: ['ci'] });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/refused|never a webhook target/);
  });
});
