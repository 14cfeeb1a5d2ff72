/**
 * Where the ingest tokens come from: `INGEST_TOKEN`, else the file `INGEST_TOKEN_FILE` names (a
 * mounted Kubernetes/Knative secret, so the token never sits in the environment, where process
 * listings and crash dumps show it). Read once, when the function is built.
 *
 * The file may hold several tokens, one per line, so a token can be rotated without a moment
 * in which senders are refused: add the new line, roll the functions, switch the forwarder to
 * the new token, then remove the old line.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from '../../shared/config.js';
import { MAX_TOKEN_BYTES } from '../../shared/http/auth.js';

export const MIN_TOKEN_LENGTH = 16;
/** More would mean a rotation left undone rather than one in progress. */
export const MAX_TOKENS = 8;

export function ingestTokens(config: Pick<Config, 'INGEST_TOKEN' | 'INGEST_TOKEN_FILE'>): string[] {
  if (config.INGEST_TOKEN !== undefined && config.INGEST_TOKEN_FILE !== undefined) {
    throw new ConfigError('set INGEST_TOKEN or INGEST_TOKEN_FILE, not both');
  }
  if (config.INGEST_TOKEN !== undefined) {
    if (Buffer.byteLength(config.INGEST_TOKEN) > MAX_TOKEN_BYTES) throw new ConfigError(`INGEST_TOKEN is longer than ${MAX_TOKEN_BYTES} bytes`);
    return [config.INGEST_TOKEN];
  }
  const file = config.INGEST_TOKEN_FILE;
  if (file === undefined) throw new ConfigError('INGEST_TOKEN or INGEST_TOKEN_FILE must be set');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`INGEST_TOKEN_FILE ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // Blank lines (and the final newline `echo` and editors add) are not tokens.
  const tokens = text.split(/\r?\n/).filter((line) => line !== '');
  if (tokens.length === 0) throw new ConfigError(`INGEST_TOKEN_FILE ${file} holds no token`);
  if (tokens.length > MAX_TOKENS) throw new ConfigError(`INGEST_TOKEN_FILE ${file} holds ${tokens.length} tokens; at most ${MAX_TOKENS}`);
  tokens.forEach((token, i) => {
    if (token.length < MIN_TOKEN_LENGTH || Buffer.byteLength(token) > MAX_TOKEN_BYTES || /\s/.test(token)) {
      throw new ConfigError(`INGEST_TOKEN_FILE ${file}, line ${i + 1}: a token must be ${MIN_TOKEN_LENGTH} characters to ${MAX_TOKEN_BYTES} bytes, without spaces`);
    }
  });
  return tokens;
}
