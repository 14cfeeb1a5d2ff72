/** `scripts/start.ts` (what `npm start` and `npm run demo` run) as a child process, for the tests of what it starts and prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { until } from '../helpers/until.js';

export const root = path.resolve(import.meta.dirname, '../..');

/** Per test: each starts one or more processes, which take many seconds on busy shared cores. */
export const SPAWN_TIMEOUT = 180_000;

export interface StartChild {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
  /** the local server's URL, once the banner is printed */
  url(): Promise<string>;
  /** SIGINT to the whole process group, as Ctrl-C in a terminal sends it (the embedded Postgres too) */
  ctrlC(): void;
}

/** Starts scripts/start.ts with only `env` (plus PATH), in a process group of its own. */
export function spawnStart(args: string[], env: Record<string, string>): StartChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  let exited = false;
  void exit.then(() => (exited = true));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exit,
    async url() {
      const m = await until(
        () => (exited ? 'exited' : /ingest\s+POST (http:\/\/127\.0\.0\.1:\d+)\/ingest/.exec(out)),
        (v) => v !== null,
        'the banner',
        150_000,
      );
      if (m === 'exited') throw new Error(`start exited before its banner: ${err}${out}`);
      return m![1]!;
    },
    ctrlC() {
      process.kill(-proc.pid!, 'SIGINT');
    },
  };
}

/** Ends a child still running at the end of a test (its whole group: the embedded Postgres too). */
export async function killGroup(c: StartChild | undefined): Promise<void> {
  if (!c || c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  try {
    process.kill(-c.proc.pid!, 'SIGTERM');
  } catch {
    return;
  }
  await c.exit;
}
