/**
 * Vercel adapter for `/healthz` (vercel.json rewrites it here): up, and the database answers.
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
const listener = nodeListener(lazy(async () => createHealthHandler(poolFor(cfg))), cfg.MAX_BODY_BYTES);

export default function handler(req: VercelRequest, res: VercelResponse): Promise<void> {
  return listener(req, res);
}
