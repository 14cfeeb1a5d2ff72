/**
 * Cloud Scheduler calls the private cleanup Cloud Function with an OIDC token in
 * `Authorization` (checked by Cloud Functions' IAM) and the cleanup token in `X-Cleanup-Token`
 * (checked by the function), as infra/terraform/main.tf configures the job.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

const CLEANUP_TOKEN = 'scheduler-test-cleanup-token-01';
// what Cloud Functions passes on after checking it: a Google-signed ID token, opaque to us
const OIDC = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2NsZWFudXAifQ.c2lnbmF0dXJl';
let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer({ CLEANUP_TOKEN, RETENTION_DAYS: '30' });
});
afterAll(async () => srv.close());

const post = (headers: Record<string, string>) => fetch(`${srv.url}/cleanup`, { method: 'POST', headers });

describe('cleanup behind the platform’s own authentication', () => {
  it('runs when X-Cleanup-Token carries the token and Authorization carries the OIDC token', async () => {
    const res = await post({ authorization: `Bearer ${OIDC}`, 'x-cleanup-token': CLEANUP_TOKEN });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ retention_days: 30, more: false });
  });

  it('refuses the OIDC token alone, a wrong X-Cleanup-Token, and an empty one', async () => {
    expect((await post({ authorization: `Bearer ${OIDC}` })).status).toBe(401);
    // a present X-Cleanup-Token is the one checked, even beside a right bearer token
    expect((await post({ authorization: `Bearer ${CLEANUP_TOKEN}`, 'x-cleanup-token': 'wrong-token-0123456789' })).status).toBe(401);
    expect((await post({ 'x-cleanup-token': ' ' })).status).toBe(401);
  });

  it('still takes the bearer token alone (Knative CronJob, curl)', async () => {
    expect((await post({ authorization: `Bearer ${CLEANUP_TOKEN}` })).status).toBe(200);
  });

  it('is what the Terraform scheduler job sends: OIDC token plus X-Cleanup-Token', async () => {
    const tf = await readFile(path.resolve(import.meta.dirname, '../../infra/terraform/main.tf'), 'utf8');
    const job = tf.slice(tf.indexOf('resource "google_cloud_scheduler_job" "cleanup"'));
    expect(job).toMatch(/oidc_token\s*\{[^}]*service_account_email\s*=\s*google_service_account\.scheduler\.email/);
    expect(job).toMatch(/"X-Cleanup-Token"\s*=/);
    expect(job).not.toMatch(/Authorization\s*=/);
  });
});
