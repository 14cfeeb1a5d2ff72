/**
 * Vercel adapter for the timeline function; `vercel.json` rewrites the `/v1/…/timeline` paths
 * here.
 */
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { loadConfig } from '../shared/config.js';
import { nodeListener } from '../shared/http/node.js';
import { buildTimeline, lazy, poolFor } from '../functions/runtime.js';

export const config = { api: { bodyParser: false } };

const cfg = loadConfig();
const listener = nodeListener(lazy(async () => buildTimeline(cfg, poolFor(cfg))), cfg.MAX_BODY_BYTES);

export default function handler(req: VercelRequest, res: VercelResponse): Promise<void> {
  return listener(req, res);
}
