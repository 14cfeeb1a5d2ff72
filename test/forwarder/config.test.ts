import { describe, expect, it } from 'vitest';
import { loadForwarderConfig } from '../../forwarder/config.js';
import { ConfigError } from '../../shared/config.js';

describe('loadForwarderConfig', () => {
  it('stores nothing by default, and needs no sink then', () => {
    const c = loadForwarderConfig([], {});
    expect(c).toMatchObject({
      storeEvents: false,
      sink: undefined,
      namespaces: [],
      annotate: true,
      clusterName: 'default',
      batchSize: 100,
      flushIntervalMs: 200,
      bufferSize: 2000,
      eventsApi: 'events.k8s.io/v1',
      ceExtensions: {},
      port: 9090,
    });
  });

  it('reads every setting from its environment variable', () => {
    const c = loadForwarderConfig([], {
      STORE_EVENTS: 'true',
      K_SINK: 'http://ingest.example/ingest',
      K_CE_OVERRIDES: '{"extensions":{"cluster":"east","tier":2}}',
      SINK_TOKEN: 'secret',
      WATCH_NAMESPACES: 'ci, build',
      ANNOTATE_RUNS: 'false',
      CLUSTER_NAME: 'east-1',
      BATCH_SIZE: '10',
      FLUSH_INTERVAL: '1.5s',
      KUBECONFIG: '/tmp/kc',
      FORWARDER_PORT: '0',
    });
    expect(c).toMatchObject({
      storeEvents: true,
      sink: 'http://ingest.example/ingest',
      ceExtensions: { cluster: 'east', tier: 2 },
      sinkToken: 'secret',
      namespaces: ['ci', 'build'],
      annotate: false,
      clusterName: 'east-1',
      batchSize: 10,
      flushIntervalMs: 1500,
      kubeconfig: '/tmp/kc',
      port: 0,
    });
  });

  it('lets a flag win over its environment variable', () => {
    const c = loadForwarderConfig(['--sink=http://flag/', '--cluster-name', 'from-flag', '--namespaces=a'], { K_SINK: 'http://env/', CLUSTER_NAME: 'env', WATCH_NAMESPACES: 'b' });
    expect(c.sink).toBe('http://flag/');
    expect(c.clusterName).toBe('from-flag');
    expect(c.namespaces).toEqual(['a']);
  });

  it.each([
    [['--store-events=true'], true],
    [['--store-events'], true],
    [['--store_event=true'], true],
    [['--store_event'], true],
    [['--store-events=false'], false],
    [['--store-events', '--annotate=false'], true],
    [['-store_event'], true],
    [['-store_event=true'], true],
    [['-store_event=false'], false],
    [['-store_event', '-annotate=false'], true],
  ])('accepts %j for storing (the Results watcher spells it --store_event)', (args, on) => {
    expect(loadForwarderConfig([...args, '--sink=http://x/'], {}).storeEvents).toBe(on);
  });

  it('reads Go-style one-dash long flags as the Results watcher writes them', () => {
    const c = loadForwarderConfig(['-store_event', '-sink=http://x/', '-annotate=false', '-cluster-name', 'east'], {});
    expect(c).toMatchObject({ storeEvents: true, sink: 'http://x/', annotate: false, clusterName: 'east' });
  });

  it('refuses to store without a sink, naming the flag and the variable', () => {
    expect(() => loadForwarderConfig(['--store-events=true'], {})).toThrow(/--sink \(K_SINK\): required/);
  });

  it.each([
    [['--batch-size=0'], /--batch-size \(BATCH_SIZE\)/],
    [['--flush-interval=soon'], /--flush-interval/],
    [['--sink=ftp://x/'], /--sink/],
    [['--namespaces=Not_A_Namespace'], /--namespaces/],
    [['--nope=1'], /Unknown option '--nope'/],
    [['-nope'], /Unknown option/],
    [['--ce-overrides={"extensions":{"Bad-Name":"x"}}'], /--ce-overrides/],
    [['--ce-overrides={"extensions":{"id":"x"}}'], /core attribute/],
    [['--ce-overrides=not json'], /must be JSON/],
  ])('fails fast on %j', (args, message) => {
    expect(() => loadForwarderConfig(args, {})).toThrow(ConfigError);
    expect(() => loadForwarderConfig(args, {})).toThrow(message);
  });
});
