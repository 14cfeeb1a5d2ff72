import type pg from 'pg';

/** The page token signing secret the first migration generated. */
export async function pageTokenSecret(db: pg.ClientBase | pg.Pool): Promise<string> {
  const { rows } = await db.query<{ value: string }>({
    text: `select value from settings where key = 'page_token_secret'`,
  });
  const value = rows[0]?.value;
  if (!value) throw new Error('no page_token_secret in settings: has the database been migrated?');
  return value;
}
