/**
 * Vercel adapter for the ingest function. Vercel's body parser is off (it leaves `req.body`
 * undefined for CloudEvents content types anyway): the raw stream is read by our own adapter.
 * It connects as the ingest role (`INGEST_DATABASE_URL`).
 */
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { loadConfig } from '../shared/config.js';
import { functionEnv } from './_env.js';
import { nodeListener } from '../shared/http/node.js';
import { gateFor } from '../functions/gate.js';
import { buildIngest, lazy, poolFor } from '../functions/runtime.js';

export const config = { api: { bodyParser: false } };

const cfg = loadConfig(functionEnv('INGEST'));
const listener = nodeListener(lazy(async () => buildIngest(cfg, poolFor(cfg, 'ingest'))), cfg.MAX_BODY_BYTES, { gate: gateFor(cfg), bodyIdleTimeoutMs: cfg.HTTP_BODY_IDLE_TIMEOUT_MS });

export default function handler(req: VercelRequest, res: VercelResponse): Promise<void> {
  return listener(req, res);
}
