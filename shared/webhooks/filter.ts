/**
 * The one place the webhook code meets the CEL engine (shared/filter/evaluate.ts): a
 * subscription's `filter` compiled to a predicate over one change. An empty filter matches
 * every change. A filter that throws at run time on some change does not match it, rather
 * than stopping the fan-out of every other change.
 */
import { compileEventPredicate, type EventFilterContext } from '../filter/evaluate.js';

export type { EventFilterContext };

export type ChangePredicate = (ctx: EventFilterContext) => boolean;

/** Throws the engine's 400 HttpError naming the problem when `src` is not a valid filter. */
export function compileChangeFilter(src: string): ChangePredicate {
  if (src.trim() === '') return () => true;
  const predicate = compileEventPredicate(src);
  return (ctx) => {
    try {
      return predicate(ctx) === true;
    } catch {
      return false;
    }
  };
}
