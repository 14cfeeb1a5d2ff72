/**
 * Vercel adapter for the pages; `vercel.json` rewrites `/ui` and `/ui/…` here, so the paths
 * (and the cookie's `Path=/ui`) stay as they are. It reads as the query role (`QUERY_DATABASE_URL`).
 */
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { loadConfig } from '../shared/config.js';
import { functionEnv } from './_env.js';
import { nodeListener } from '../shared/http/node.js';
import { buildUi, lazy, poolFor } from '../functions/runtime.js';

export const config = { api: { bodyParser: false } };

const cfg = loadConfig(functionEnv('QUERY'));
const listener = nodeListener(lazy(async () => buildUi(cfg, poolFor(cfg))), cfg.MAX_BODY_BYTES);

export default function handler(req: VercelRequest, res: VercelResponse): Promise<void> {
  return listener(req, res);
}
