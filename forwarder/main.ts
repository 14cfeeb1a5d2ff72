/**
 * The forwarder's entry point: `npm run forwarder -- [flags]` locally, the container's command
 * in a cluster. SIGTERM (a pod being stopped) sends what is buffered before the process exits.
 */
import { exitFatal, logger } from '../shared/log.js';
import { loadForwarderConfig, USAGE } from './config.js';
import { startOpsServer } from './http.js';
import { ForwarderMetrics } from './metrics.js';
import { startForwarder } from './start.js';
import { startElectedForwarder } from './elected.js';

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadForwarderConfig();
  logger.level = config.logLevel;
  const metrics = new ForwarderMetrics({ defaultMetrics: true });
  const le = config.leaderElection;
  // Leader election matters only when something is watched: a forwarder storing nothing needs no Lease.
  const forwarder = config.storeEvents && le ? startElectedForwarder({ ...config, leaderElection: le }, { metrics }) : startForwarder(config, { metrics });
  const ops = await startOpsServer(forwarder, config.port);
  logger.info(
    { port: ops.port, storeEvents: config.storeEvents, clusterName: config.clusterName, leaderElection: config.storeEvents && le ? `${le.leaseNamespace}/${le.leaseName}` : 'off' },
    'forwarder health and metrics server listening',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: flushing buffered events');
    void forwarder
      .shutdown()
      .then(() => ops.close())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => exitFatal('forwarder failed to start', err));
