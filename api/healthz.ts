/**
 * Vercel adapter for `/healthz` (alive) and `/readyz` (the database answers); vercel.json rewrites both here.
 * It connects as the query role (`QUERY_DATABASE_URL`, else `DATABASE_URL`).
 */
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { loadConfig } from '../shared/config.js';
import { nodeListener } from '../shared/http/node.js';
import { lazy, poolFor } from '../functions/runtime.js';
import { createHealthHandler } from '../functions/health.js';
import { functionEnv } from './_env.js';

export const config = { api: { bodyParser: false } };

const cfg = loadConfig(functionEnv('QUERY'));
const listener = nodeListener(lazy(async () => createHealthHandler(poolFor(cfg, 'ready'), cfg.READY_TIMEOUT_MS)), cfg.MAX_BODY_BYTES);

export default function handler(req: VercelRequest, res: VercelResponse): Promise<void> {
  return listener(req, res);
}
