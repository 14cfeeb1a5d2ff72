/**
 * `npm run infra -- plan|apply|destroy [--yes]`: the database as declared in the environment
 * (see infra/config.ts and the README's deployment guide), Terraform-style.
 *   plan     prints what apply would change (+ add, ~ change, - remove); changes nothing
 *   apply    converges the database to the declared state; running it again plans nothing
 *   destroy  drops the database and the roles, after typing the database name (or --yes)
 * Exit codes: 0 done, 1 error; `plan --detailed-exitcode` exits 2 when there are changes, as Terraform does.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ConfigError } from '../shared/config.js';
import { loadInfraConfig } from './config.js';
import { formatPlan, planChanges, planDestroy, runPlan } from './commands.js';

const USAGE = 'usage: npm run infra -- plan [--detailed-exitcode] | apply | destroy [--yes]\n';

async function confirmed(database: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    process.stderr.write('destroy needs confirmation: run it in a terminal, or pass --yes\n');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`This deletes database ${database}, every event stored in it, and the roles.\nType the database name to confirm: `);
    return answer.trim() === database;
  } finally {
    rl.close();
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({ options: { yes: { type: 'boolean', short: 'y', default: false }, help: { type: 'boolean', short: 'h' }, 'detailed-exitcode': { type: 'boolean', default: false } }, allowPositionals: true });
  const command = positionals[0];
  if (values.help || positionals.length !== 1 || !['plan', 'apply', 'destroy'].includes(command!)) {
    process.stderr.write(USAGE);
    return values.help ? 0 : 1;
  }
  const config = await loadInfraConfig();
  const out = (line: string) => process.stdout.write(line + '\n');
  if (command === 'destroy') {
    const plan = await planDestroy(config);
    process.stdout.write(formatPlan(plan, 'destroy'));
    if (plan.changes.length === 0) return 0;
    if (!(await confirmed(config.database, values.yes))) {
      process.stderr.write('destroy cancelled; nothing was changed\n');
      return 1;
    }
    await runPlan(config, plan, out);
    return 0;
  }
  const plan = await planChanges(config);
  process.stdout.write(formatPlan(plan));
  if (command === 'plan') return values['detailed-exitcode'] && plan.changes.length > 0 ? 2 : 0;
  if (plan.changes.length > 0) {
    await runPlan(config, plan, out);
    out('Apply complete.');
  }
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `infra: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
