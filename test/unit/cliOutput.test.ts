/** The CLI's text output: colour only on a terminal, aligned tables, times for reading. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { duration, offset, oneLine, styleFor, table, when, PLAIN } from '../../cli/output.js';
import { resolveSettings, configPath, DEFAULT_SERVER, kubeNamespace } from '../../cli/settings.js';

describe('CLI output', () => {
  it('colours only a terminal, and never with NO_COLOR, TERM=dumb or --no-color', () => {
    expect(styleFor({ isTTY: true }, {}, true).red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(styleFor({ isTTY: false }, {}, true).red('x')).toBe('x');
    expect(styleFor({}, {}, true).red('x')).toBe('x');
    expect(styleFor({ isTTY: true }, { NO_COLOR: '1' }, true).red('x')).toBe('x');
    expect(styleFor({ isTTY: true }, { TERM: 'dumb' }, true).red('x')).toBe('x');
    expect(styleFor({ isTTY: true }, {}, false).red('x')).toBe('x');
  });

  it('aligns columns on what is visible, colour codes aside', () => {
    const style = styleFor({ isTTY: true }, {}, true);
    const out = table(['A', 'STATUS', 'NOTE'], [[style.red('FAILURE'), 'x', 'long note'], ['b', 'yy', '']], PLAIN);
    // eslint-disable-next-line no-control-regex
    expect(out.replace(/\u001b\[[0-9;]*m/g, '').split('\n')).toEqual(['A        STATUS  NOTE', 'FAILURE  x       long note', 'b        yy']);
  });

  it('writes durations, offsets and times for reading', () => {
    expect([duration(45_000), duration(190_000), duration(3_723_000), duration(-1)]).toEqual(['45s', '3m10s', '1h02m', '-']);
    expect([offset(22_000), offset(190_000), offset(3_723_000), offset(-2000)]).toEqual(['+0:22', '+3:10', '+1:02:03', '-0:02']);
    expect(when('2026-11-24T09:00:00.123456Z')).toBe('2026-11-24 09:00:00Z');
    expect(when(null)).toBe('-');
    expect(oneLine('a\n  b', 0)).toBe('a b');
    expect(oneLine('abcdef', 4)).toBe('abc…');
  });
});

describe('CLI settings', () => {
  it('takes a flag over the environment over the config file over the default', () => {
    const env = { TKN_EVENTS_CONFIG: '/nonexistent/tkn-events.yaml', KUBECONFIG: '/nonexistent/kubeconfig' };
    expect(resolveSettings({}, env)).toMatchObject({ server: DEFAULT_SERVER, token: undefined, namespace: 'default' });
    expect(resolveSettings({}, { ...env, TKN_EVENTS_SERVER: 'http://e', TKN_EVENTS_NAMESPACE: 'ci' })).toMatchObject({ server: 'http://e', namespace: 'ci' });
    expect(resolveSettings({ server: 'http://f', namespace: 'x' }, { ...env, TKN_EVENTS_SERVER: 'http://e' })).toMatchObject({ server: 'http://f', namespace: 'x' });
  });

  it('defaults the namespace to the kubeconfig current context\'s, as tkn does', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tkn-events-kube-'));
    try {
      const a = path.join(dir, 'a.yaml');
      const b = path.join(dir, 'b.yaml');
      await writeFile(a, 'apiVersion: v1\nkind: Config\ncurrent-context: dev\n');
      await writeFile(b, 'contexts:\n  - name: prod\n    context: {cluster: p, namespace: prod-ns}\n  - name: dev\n    context: {cluster: d, namespace: team-a}\n');
      const env = { KUBECONFIG: [a, b].join(path.delimiter), TKN_EVENTS_CONFIG: path.join(dir, 'none.yaml') };
      expect(kubeNamespace(env)).toBe('team-a');
      expect(resolveSettings({}, env).namespace).toBe('team-a');
      expect(resolveSettings({}, { ...env, TKN_EVENTS_NAMESPACE: 'ci' }).namespace).toBe('ci');
      await writeFile(b, 'contexts:\n  - name: dev\n    context: {cluster: d}\n');
      expect(resolveSettings({}, env).namespace).toBe('default');
      expect(kubeNamespace({ KUBECONFIG: path.join(dir, 'missing.yaml') })).toBeUndefined();
      await writeFile(a, ': not [yaml');
      expect(kubeNamespace({ KUBECONFIG: a })).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds its config file as XDG says', () => {
    expect(configPath({ HOME: '/home/u' })).toBe('/home/u/.config/tkn-events/config.yaml');
    expect(configPath({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/tkn-events/config.yaml');
    expect(configPath({ TKN_EVENTS_CONFIG: '/etc/x.yaml', HOME: '/home/u' })).toBe('/etc/x.yaml');
  });
});
