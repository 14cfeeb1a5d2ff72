/**
 * Where the ingest token comes from: `INGEST_TOKEN`, else the file `INGEST_TOKEN_FILE` names (a
 * mounted Kubernetes/Knative secret, so the token never sits in the environment, where process
 * listings and crash dumps show it). Read once, when the function is built.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from '../../shared/config.js';

export const MIN_TOKEN_LENGTH = 16;

export function ingestToken(config: Pick<Config, 'INGEST_TOKEN' | 'INGEST_TOKEN_FILE'>): string {
  if (config.INGEST_TOKEN !== undefined && config.INGEST_TOKEN_FILE !== undefined) {
    throw new ConfigError('set INGEST_TOKEN or INGEST_TOKEN_FILE, not both');
  }
  if (config.INGEST_TOKEN !== undefined) return config.INGEST_TOKEN;
  const file = config.INGEST_TOKEN_FILE;
  if (file === undefined) throw new ConfigError('INGEST_TOKEN or INGEST_TOKEN_FILE must be set');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`INGEST_TOKEN_FILE ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // Secrets written with `echo` or by editors end in a newline that is not part of the token.
  const token = text.replace(/\r?\n$/, '');
  if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
    throw new ConfigError(`INGEST_TOKEN_FILE ${file} must hold one token of at least ${MIN_TOKEN_LENGTH} characters without spaces`);
  }
  return token;
}
