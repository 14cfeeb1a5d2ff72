/**
 * Vercel adapter for the retention cleanup; a Vercel cron job (or any scheduler) POSTs here
 * with `Authorization: Bearer <CLEANUP_TOKEN>`. Its DATABASE_URL is the admin role's.
 */
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { loadConfig } from '../shared/config.js';
import { nodeListener } from '../shared/http/node.js';
import { gateFor } from '../functions/gate.js';
import { buildCleanup, lazy, poolFor } from '../functions/runtime.js';

export const config = { api: { bodyParser: false } };

const cfg = loadConfig();
const listener = nodeListener(lazy(async () => buildCleanup(cfg, poolFor(cfg, 'cleanup'))), cfg.MAX_BODY_BYTES, { gate: gateFor(cfg), bodyIdleTimeoutMs: cfg.HTTP_BODY_IDLE_TIMEOUT_MS });

export default function handler(req: VercelRequest, res: VercelResponse): Promise<void> {
  return listener(req, res);
}
