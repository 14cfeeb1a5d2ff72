/**
 * Vercel adapter for the dispatch function; `vercel.json` rewrites `/dispatch…` here and a Vercel
 * cron (or any scheduler) POSTs to it with DISPATCH_TOKEN: each call is one bounded round.
 */
import type { VercelRequest, VercelResponse } from '@vercel/node';
import { loadConfig } from '../shared/config.js';
import { nodeListener } from '../shared/http/node.js';
import { lazy, poolFor } from '../functions/runtime.js';
import { buildDispatch } from '../functions/dispatch/build.js';

export const config = { api: { bodyParser: false } };

const cfg = loadConfig();
const listener = nodeListener(lazy(async () => buildDispatch(cfg, poolFor(cfg)).handler), cfg.MAX_BODY_BYTES);

export default function handler(req: VercelRequest, res: VercelResponse): Promise<void> {
  return listener(req, res);
}
