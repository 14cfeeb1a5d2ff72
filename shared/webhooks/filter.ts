/**
 * The one place the webhook code meets the CEL engine (shared/filter/evaluate.ts): a
 * subscription's `filter` compiled to a predicate over one change. An empty filter matches
 * every change. A filter that fails at run time on some change (a field that change lacks)
 * does not match it, rather than stopping the fan-out.
 */
import type { RunStatus, StoredEvent } from '../event.js';
import { HttpError } from '../http/problem.js';

export interface EventFilterContext {
  kind: 'event' | 'run';
  event?: StoredEvent;
  run: { kind: string; name: string; uid: string; namespace: string };
  pipelineRun: { name: string; uid: string } | null;
  status?: RunStatus;
}

export type ChangePredicate = (ctx: EventFilterContext) => boolean;

type Compile = (src: string) => ChangePredicate;

// The engine lands beside the list filter's SQL compiler; until it does, this loads it by path.
const ENGINE = '../filter/evaluate.js';
let engine: Promise<Compile | undefined> | undefined;

async function loadEngine(): Promise<Compile | undefined> {
  engine ??= import(ENGINE).then(
    (m: { compileEventPredicate?: Compile }) => m.compileEventPredicate,
    () => undefined,
  );
  return engine;
}

/** Throws a 400 HttpError naming the problem when `src` is not a valid filter. */
export async function compileChangeFilter(src: string): Promise<ChangePredicate> {
  if (src.trim() === '') return () => true;
  const compile = await loadEngine();
  if (!compile) throw new HttpError(400, 'filter: CEL filters are not available in this build; leave filter empty');
  const predicate = compile(src);
  return (ctx) => {
    try {
      return predicate(ctx) === true;
    } catch {
      return false;
    }
  };
}
