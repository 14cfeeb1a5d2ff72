/**
 * An entry point of the repository run as its own process under tsx, as the tests of the
 * deployed processes (the forwarder, the dispatcher, the functions image's server) start them:
 * its JSON log lines collected as they come, its stderr kept, and the port it logs once
 * listening.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface LoggedChild {
  proc: ChildProcess;
  /** every JSON log line so far, parsed */
  logs: Record<string, unknown>[];
  /** the `message` of every log line so far */
  messages(): string[];
  stderr(): string;
  exit: Promise<number | null>;
  /** the port of the first log line whose message is `message`; rejects if the process exits first */
  portFrom(message: string): Promise<number>;
}

/** Starts `node --import tsx <entry> ...args` from the repository root with exactly `env`. */
export function spawnEntry(entry: string, args: string[], env: NodeJS.ProcessEnv): LoggedChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const waiting: { message: string; resolve(port: number): void }[] = [];
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    let log: Record<string, unknown>;
    try {
      log = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // not a log line
    }
    logs.push(log);
    for (const w of waiting) if (log['message'] === w.message && typeof log['port'] === 'number') w.resolve(log['port']);
  });
  return {
    proc,
    logs,
    messages: () => logs.map((l) => String(l['message'])),
    stderr: () => err,
    exit,
    portFrom(message) {
      const seen = logs.find((l) => l['message'] === message && typeof l['port'] === 'number');
      if (seen) return Promise.resolve(seen['port'] as number);
      return new Promise((resolve, reject) => {
        waiting.push({ message, resolve });
        void exit.then((code) => reject(new Error(`${entry} exited (${code}) before logging "${message}": ${err}`)));
      });
    },
  };
}
