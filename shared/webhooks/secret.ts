/**
 * Subscription signing secrets, in the Standard Webhooks form `whsec_<base64>`.
 *
 * The dispatcher needs the secret itself to sign, so it cannot be stored hashed: it is encrypted
 * with AES-256-GCM under a key from WEBHOOK_SECRET_KEY (or, unset, the `webhook_secret_key`
 * setting the migration generated). GCM also authenticates: a ciphertext altered in the
 * database fails to decrypt rather than yielding another secret.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';

const PREFIX = 'whsec_';
/** 24 to 64 key bytes: Standard Webhooks asks for at least 24, svix generates 24. */
const SECRET_RE = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;

export function generateSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** Why `secret` is not a usable whsec_ secret, or undefined when it is. */
export function secretProblem(secret: string): string | undefined {
  if (!SECRET_RE.test(secret)) return 'secret must be whsec_ followed by the base64 of 24 to 64 random bytes';
  const bytes = Buffer.from(secret.slice(PREFIX.length), 'base64').length;
  if (bytes < 24 || bytes > 64) return 'secret must be whsec_ followed by the base64 of 24 to 64 random bytes';
  return undefined;
}

/** The HMAC key a secret stands for. */
export function secretKeyBytes(secret: string): Buffer {
  return Buffer.from(secret.slice(PREFIX.length), 'base64');
}

export class SecretBox {
  readonly #key: Buffer;

  constructor(keyMaterial: string) {
    // Any string of enough entropy becomes a 256-bit key.
    this.#key = createHash('sha256').update(keyMaterial).digest();
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ct = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), ct.toString('base64')].join(':');
  }

  open(sealed: string): string {
    const [v, iv, tag, ct] = sealed.split(':');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not a sealed webhook secret');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
  }
}

/** The configured key, else the one the migration stored in settings. */
export async function secretBox(db: pg.Pool | pg.ClientBase, configured: string | undefined): Promise<SecretBox> {
  if (configured) return new SecretBox(configured);
  const { rows } = await db.query<{ value: string }>({ text: `select value from settings where key = 'webhook_secret_key'` });
  const value = rows[0]?.value;
  if (!value) throw new Error('no webhook_secret_key in settings: has the database been migrated?');
  return new SecretBox(value);
}
