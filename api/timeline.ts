/**
 * Vercel adapter for the timeline function; `vercel.json` rewrites the `/v1/…/timeline` paths
 * here. It reads as the query role (`QUERY_DATABASE_URL`), as the query function does.
 */
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { loadConfig } from '../shared/config.js';
import { functionEnv } from './_env.js';
import { nodeListener } from '../shared/http/node.js';
import { buildTimeline, lazy, poolFor } from '../functions/runtime.js';

export const config = { api: { bodyParser: false } };

const cfg = loadConfig(functionEnv('QUERY'));
const listener = nodeListener(lazy(async () => buildTimeline(cfg, poolFor(cfg))), cfg.MAX_BODY_BYTES);

export default function handler(req: VercelRequest, res: VercelResponse): Promise<void> {
  return listener(req, res);
}
