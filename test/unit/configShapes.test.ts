import { describe, expect, it } from 'vitest';
import { ConfigError, isPostgresUrl, loadConfig } from '../../shared/config.js';

describe('configuration shapes', () => {
  it.each([
    ['postgres://u:p@db.example:5432/tekton', true],
    ['postgresql://u@127.0.0.1/tekton?sslmode=require', true],
    ['postgres://u:p@/tekton?host=/cloudsql/project:region:instance', true],
    ['postgresql:///tekton?host=/var/run/postgresql', true],
    ['not-a-url', false],
    ['base', false],
    ['mysql://u:p@db/tekton', false],
    ['postgres://u:p@/tekton', false],
    ['postgres://u:p@db:99999/tekton', false],
    ['http://db/tekton', false],
  ])('reads %s as a Postgres URL: %s', (url, ok) => {
    expect(isPostgresUrl(url)).toBe(ok);
  });

  it('names the variable and never repeats its value, one line per problem', () => {
    let message = '';
    try {
      loadConfig({ DATABASE_URL: 'secret-in-here', PORT: 'eighty', LOG_LEVEL: 'verbose' });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([
      expect.stringMatching(/^invalid configuration: DATABASE_URL: not a Postgres URL/),
      expect.stringMatching(/^invalid configuration: PORT: /),
      'invalid configuration: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
    expect(message).not.toContain('secret-in-here');
  });
});
