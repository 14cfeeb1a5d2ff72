import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { parseRetryAfter, retryDelayMs } from '../../shared/webhooks/backoff.js';
import { generateSecret, SecretBox, secretProblem } from '../../shared/webhooks/secret.js';
import { signatureHeaders } from '../../shared/webhooks/sign.js';
import { TargetLimiter } from '../../functions/dispatch/targetLimiter.js';
import { matchSubscriptionRoute } from '../../functions/subscriptions/routes.js';

describe('retry delays', () => {
  it('grow exponentially with jitter, never below half the step, capped', () => {
    const low = () => 0;
    const high = () => 0.999999;
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, undefined, 3_600_000, low))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, undefined, 3_600_000, high))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(40, undefined, 60_000, high)).toBe(60_000);
  });

  it('honour Retry-After in seconds or as a date, up to the cap', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(retryDelayMs(1, 5000, 60_000, () => 0)).toBe(5000);
    expect(retryDelayMs(1, 5000, 60_000, () => 0.99)).toBeGreaterThanOrEqual(5000);
    expect(retryDelayMs(1, 10_000_000, 60_000, () => 0)).toBe(60_000);
  });
});

describe('secrets and signatures', () => {
  it('generate whsec_ secrets that the Standard Webhooks library accepts', () => {
    const secret = generateSecret();
    expect(secretProblem(secret)).toBeUndefined();
    const body = '{"id":"a/1"}';
    const headers = signatureHeaders(secret, 'a/1', Date.now() / 1000, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual({ id: 'a/1' });
    expect(() => new Webhook(secret).verify(body.replace('1', '2'), headers)).toThrow();
  });

  it('refuse secrets that are not whsec_ with enough key bytes', () => {
    expect(secretProblem('whsec_abc')).toBeDefined();
    expect(secretProblem('sk_' + 'a'.repeat(40))).toBeDefined();
    expect(secretProblem('whsec_' + Buffer.alloc(16).toString('base64'))).toBeDefined();
  });

  it('seal secrets so that only the same key opens them, and a changed ciphertext fails', () => {
    const box = new SecretBox('k'.repeat(40));
    const secret = generateSecret();
    const sealed = box.seal(secret);
    expect(sealed).not.toContain(secret.slice(6));
    expect(box.open(sealed)).toBe(secret);
    expect(() => new SecretBox('other'.repeat(10)).open(sealed)).toThrow();
    const parts = sealed.split(':');
    parts[3] = Buffer.from('x' + Buffer.from(parts[3]!, 'base64').toString('latin1').slice(1), 'latin1').toString('base64');
    expect(() => box.open(parts.join(':'))).toThrow();
  });
});

describe('per-target bounds', () => {
  it('never run more than the bound at once and refuse beyond the waiting line', async () => {
    const limiter = new TargetLimiter(2, 2);
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const job = () =>
      new Promise<void>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        gates.push(() => {
          running--;
          resolve();
        });
      });
    const runs = [1, 2, 3, 4].map(() => limiter.tryRun('t', job));
    expect(runs.every((r) => r !== undefined)).toBe(true);
    expect(limiter.tryRun('t', job)).toBeUndefined(); // 2 running, 2 waiting
    expect(limiter.tryRun('other', async () => 'free')).toBeDefined();
    while (gates.length > 0 || running > 0) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    await Promise.all(runs);
    expect(peak).toBe(2);
  });
});

describe('subscription routes', () => {
  it.each([
    ['POST', '/v1/subscriptions', { op: 'create' }],
    ['GET', '/v1/subscriptions/', { op: 'list' }],
    ['PATCH', '/v1/subscriptions/0b9c2f0e-8d5b-4a8e-9d3c-1f2e3d4c5b6a', { op: 'update' }],
    ['GET', '/v1/subscriptions/0b9c2f0e-8d5b-4a8e-9d3c-1f2e3d4c5b6a/deliveries', { op: 'deliveries' }],
    ['POST', '/v1/subscriptions/0b9c2f0e-8d5b-4a8e-9d3c-1f2e3d4c5b6a/deliveries/1b9c2f0e-8d5b-4a8e-9d3c-1f2e3d4c5b6a/redeliver', { op: 'redeliver' }],
  ])('%s %s', (method, path, want) => {
    expect(matchSubscriptionRoute(method, path)).toMatchObject(want);
  });

  it('answer 404 for ids that are not UUIDs and 405 for other methods', () => {
    expect(() => matchSubscriptionRoute('GET', '/v1/subscriptions/nope')).toThrow(expect.objectContaining({ status: 404 }));
    expect(() => matchSubscriptionRoute('PUT', '/v1/subscriptions')).toThrow(expect.objectContaining({ status: 405 }));
    expect(matchSubscriptionRoute('GET', '/v1/subscriptionsX')).toBeUndefined();
  });
});
