/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the signed content is
 * `<webhook-id>.<webhook-timestamp>.<body>`, HMAC-SHA256 under the secret's key bytes, sent as
 * `webhook-signature: v1,<base64>`. Receivers verify with the `standardwebhooks` or `svix` libraries.
 */
import { createHmac } from 'node:crypto';
import { secretKeyBytes } from './secret.js';

export function signatureHeaders(secret: string, id: string, timestampSeconds: number, body: string): Record<string, string> {
  const ts = String(Math.floor(timestampSeconds));
  const mac = createHmac('sha256', secretKeyBytes(secret)).update(`${id}.${ts}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': `v1,${mac}` };
}
