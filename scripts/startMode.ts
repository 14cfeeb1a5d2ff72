/**
 * What `npm start` feeds the local system with, decided before anything starts:
 *   - `sample` (the default): the recorded failed PipelineRun; no cluster is contacted at all,
 *     since a developer's current kubeconfig context may well be production;
 *   - `cluster` (`--cluster`, `TEKTON_EVENTS_CLUSTER=true`): the forwarder against the current
 *     kubeconfig context; runs are annotated only with `--annotate` (`TEKTON_EVENTS_ANNOTATE`);
 *   - `demo` (`--demo`, `npm run demo`): a fake cluster in the process, a failing PipelineRun
 *     played into it live, the real forwarder capturing it.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, parseEnv } from '../shared/config.js';

export interface StartMode {
  mode: 'sample' | 'cluster' | 'demo';
  annotate: boolean;
  /** demo only: 1 plays the run in about 25 s; 10 ten times faster */
  demoSpeed: number;
}

export const START_USAGE = `npm start -- [--cluster [--annotate] | --demo [--demo-speed=N]]
  (default)     the recorded sample PipelineRun; no cluster is contacted
  --cluster     also run the forwarder against the current kubeconfig context (TEKTON_EVENTS_CLUSTER=true)
  --annotate    with --cluster: annotate runs with their EventList record (TEKTON_EVENTS_ANNOTATE=true)
  --demo        a fake cluster playing a failing PipelineRun live (npm run demo)
  --demo-speed  with --demo: how many times faster than real time (TEKTON_EVENTS_DEMO_SPEED, default 1)`;

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

export const StartEnvSchema = z.object({
  /** `npm start` runs the forwarder against the current kubeconfig context */
  TEKTON_EVENTS_CLUSTER: bool.default(false),
  /** with TEKTON_EVENTS_CLUSTER: annotate the cluster's runs */
  TEKTON_EVENTS_ANNOTATE: bool.default(false),
  TEKTON_EVENTS_DEMO_SPEED: z.coerce.number().min(0.1).max(1000).default(1),
});

export function parseStartMode(argv: string[], env: Record<string, string | undefined>): StartMode | 'help' {
  let values: { cluster?: boolean; annotate?: boolean; demo?: boolean; 'demo-speed'?: string; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: { cluster: { type: 'boolean' }, annotate: { type: 'boolean' }, demo: { type: 'boolean' }, 'demo-speed': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n${START_USAGE}`);
  }
  if (values.help) return 'help';
  const e = parseEnv(StartEnvSchema, { ...env, ...(values['demo-speed'] !== undefined ? { TEKTON_EVENTS_DEMO_SPEED: values['demo-speed'] } : {}) });
  const cluster = values.cluster ?? e.TEKTON_EVENTS_CLUSTER;
  const annotate = values.annotate ?? e.TEKTON_EVENTS_ANNOTATE;
  if (cluster && values.demo) throw new ConfigError('--cluster and --demo exclude each other: the demo plays into a fake cluster of its own');
  if (annotate && !cluster && !values.demo) throw new ConfigError('--annotate needs --cluster: without it no cluster is watched');
  return { mode: values.demo ? 'demo' : cluster ? 'cluster' : 'sample', annotate, demoSpeed: e.TEKTON_EVENTS_DEMO_SPEED };
}
