/**
 * The demo: a fake Kubernetes API server in this process, the real forwarder watching it and
 * sending to the ingest function, and a failing PipelineRun played into it live. Started by
 * `npm run demo` (scripts/start.ts --demo) and by the demo's end-to-end test, faster.
 */
import type { Logger } from 'pino';
import { loadForwarderConfig } from '../../forwarder/config.js';
import { startForwarder, type Forwarder } from '../../forwarder/start.js';
import { logger } from '../../shared/log.js';
import { startFakeKube, type FakeKube } from '../fakeKube/server.js';
import { failingPipelineRun, play, type Scenario, type Step } from './scenario.js';

export interface Demo {
  kube: FakeKube;
  forwarder: Forwarder;
  scenario: Scenario;
  /** plays the scenario (once); resolves after its last step */
  play(): Promise<void>;
  /** `flush: false`: the forwarder stops without sending its buffer (the database is going too) */
  stop(opts?: { flush?: boolean }): Promise<void>;
}

export interface DemoOptions {
  /** the ingest function's URL and its token */
  sink: string;
  token: string;
  /** 1: about 25 seconds; higher is faster */
  speed?: number;
  log?: Logger;
  onStep?: (s: Step) => void;
  /** the forwarder's log level (npm run demo: warn, so the demo's own lines stay readable) */
  forwarderLogLevel?: string;
  /** env for the forwarder's own settings (batch size…); flags below win */
  env?: Record<string, string | undefined>;
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const kube = await startFakeKube();
  const config = loadForwarderConfig(
    ['--store-events=true', `--sink=${o.sink}`, `--sink-token=${o.token}`, '--cluster-name=demo', '--annotate=true', '--flush-interval=100ms', '--port=0'],
    { ...o.env, KUBECONFIG: undefined, WATCH_NAMESPACES: undefined, LEADER_ELECT: 'false' },
  );
  const log = o.log ?? logger;
  const forwarder = startForwarder(config, { kubeConfig: kube.kubeConfig(), log: o.forwarderLogLevel ? log.child({}, { level: o.forwarderLogLevel }) : log });
  await forwarder.ready;
  const scenario = failingPipelineRun();
  const abort = new AbortController();
  let played: Promise<void> | undefined;
  return {
    kube,
    forwarder,
    scenario,
    play: () => (played ??= play(kube, scenario, { speed: o.speed ?? 1, signal: abort.signal, ...(o.onStep ? { onStep: o.onStep } : {}) })),
    async stop({ flush = true } = {}) {
      abort.abort();
      await played;
      await (flush ? forwarder.shutdown() : forwarder.kill());
      await kube.close();
    },
  };
}
