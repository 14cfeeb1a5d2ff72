/**
 * Vercel adapter for the retention cleanup (vercel.json rewrites `/cleanup` here): a scheduler
 * POSTs with `Authorization: Bearer <CLEANUP_TOKEN>`. Vercel's own Cron Jobs send GET, which
 * cleanup refuses (405): schedule it from outside. It connects as the admin role
 * (`CLEANUP_DATABASE_URL`).
 */
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { loadConfig } from '../shared/config.js';
import { functionEnv } from './_env.js';
import { nodeListener } from '../shared/http/node.js';
import { gateFor } from '../functions/gate.js';
import { buildCleanup, lazy, poolFor } from '../functions/runtime.js';

export const config = { api: { bodyParser: false } };

const cfg = loadConfig(functionEnv('CLEANUP'));
const listener = nodeListener(lazy(async () => buildCleanup(cfg, poolFor(cfg, 'cleanup'))), cfg.MAX_BODY_BYTES, { gate: gateFor(cfg), bodyIdleTimeoutMs: cfg.HTTP_BODY_IDLE_TIMEOUT_MS });

export default function handler(req: VercelRequest, res: VercelResponse): Promise<void> {
  return listener(req, res);
}
