/**
 * Vercel adapter for the query function; `vercel.json` rewrites `/apis/…` here so the
 * Tekton Results paths stay as they are. It connects as the query role (`QUERY_DATABASE_URL`).
 */
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { loadConfig } from '../shared/config.js';
import { functionEnv } from './_env.js';
import { nodeListener } from '../shared/http/node.js';
import { gateFor } from '../functions/gate.js';
import { buildQuery, lazy, poolFor } from '../functions/runtime.js';

export const config = { api: { bodyParser: false } };

const cfg = loadConfig(functionEnv('QUERY'));
const listener = nodeListener(lazy(async () => buildQuery(cfg, poolFor(cfg, 'query'))), cfg.MAX_BODY_BYTES, { gate: gateFor(cfg), bodyIdleTimeoutMs: cfg.HTTP_BODY_IDLE_TIMEOUT_MS });

export default function handler(req: VercelRequest, res: VercelResponse): Promise<void> {
  return listener(req, res);
}
