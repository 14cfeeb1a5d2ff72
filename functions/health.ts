import type pg from 'pg';
import { json, type Handler } from '../shared/http/core.js';

/** `/healthz`: up, and the database answers. */
export function createHealthHandler(pool: pg.Pool): Handler {
  return async () => {
    try {
      await pool.query('select 1');
      return json(200, { status: 'ok' });
    } catch {
      return json(503, { status: 'unavailable', detail: 'the database does not answer' }, { 'retry-after': '2' });
    }
  };
}
