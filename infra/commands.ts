/**
 * plan / apply / destroy over the declared state, as functions (the CLI and the tests call
 * these). Each returns what it printed, so callers decide where output goes.
 */
import { type InfraConfig } from './config.js';
import { desiredState } from './desired.js';
import { inspect } from './inspect.js';
import { destroyPlan, makePlan, Session, type Plan } from './plan.js';

export function formatPlan(plan: Plan, verb: 'apply' | 'destroy' = 'apply'): string {
  const lines = plan.warnings.map((w) => `! ${w}`);
  if (plan.changes.length === 0) {
    lines.push(verb === 'apply' ? 'No changes: the database matches the declared state.' : 'Nothing to destroy.');
    return lines.join('\n') + '\n';
  }
  for (const c of plan.changes) lines.push(`${c.op} ${c.what}`);
  const count = (op: string) => plan.changes.filter((c) => c.op === op).length;
  lines.push('', `Plan: ${count('+')} to add, ${count('~')} to change, ${count('-')} to destroy.`);
  return lines.join('\n') + '\n';
}

export async function planChanges(config: InfraConfig): Promise<Plan> {
  const desired = desiredState(config);
  return makePlan(desired, await inspect(config.adminUrl, desired));
}

export async function planDestroy(config: InfraConfig): Promise<Plan> {
  const desired = desiredState(config);
  return destroyPlan(desired, await inspect(config.adminUrl, desired));
}

/** Runs the changes in order; stops at the first failure (what ran stays done: apply again). */
export async function runPlan(config: InfraConfig, plan: Plan, log: (line: string) => void = () => undefined): Promise<void> {
  const session = new Session(config.adminUrl, desiredState(config));
  try {
    for (const change of plan.changes) {
      try {
        await change.apply(session);
      } catch (err) {
        throw new Error(`${change.op} ${change.what}: ${(err as Error).message}`, { cause: err });
      }
      log(`${change.op} ${change.what}: done`);
    }
  } finally {
    await session.close();
  }
}

/** Plans and applies; returns the plan that was applied. */
export async function apply(config: InfraConfig, log?: (line: string) => void): Promise<Plan> {
  const plan = await planChanges(config);
  await runPlan(config, plan, log);
  return plan;
}
