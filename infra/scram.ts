/**
 * Passwords reach Postgres as SCRAM-SHA-256 verifiers computed here, the way Postgres stores
 * them (RFC 5802/7677): the plain password then never appears in a statement, so not in the
 * server log, pg_stat_statements or an error message. Postgres normalises passwords with
 * SASLprep, which leaves printable ASCII as it is; anything else is sent as an escaped literal
 * and hashed by the server, so its normalisation is the one that counts.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';

const ITERATIONS = 4096; // Postgres' default scram_iterations

export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = ITERATIONS): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** The SQL literal to put after `PASSWORD`. */
export function passwordLiteral(password: string): string {
  return pg.escapeLiteral(/^[\x20-\x7e]+$/.test(password) ? scramVerifier(password) : password);
}
