/** Placeholder until the timeline read model lands. */
import type pg from 'pg';
import type { CoreResponse } from '../../shared/http/core.js';
import { HttpError } from '../../shared/http/problem.js';
import type { UiRoute } from './routes.js';

export async function runPage(_pool: pg.Pool, route: UiRoute & { view: 'run' }, _signedIn: boolean): Promise<CoreResponse> {
  throw new HttpError(404, `${route.kind} ${route.namespace}/${route.name} not found`);
}
