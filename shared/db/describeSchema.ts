/**
 * A canonical text description of the schema (tables, columns, constraints, indexes), so a
 * test can compare the migrated database with the committed snapshot and fail on drift,
 * without needing pg_dump on the machine.
 */
import type pg from 'pg';

export async function describeSchema(db: pg.ClientBase | pg.Pool, schema = 'public'): Promise<string> {
  const columns = await db.query<{ line: string }>({
    text: `select format('column %s.%s %s%s%s', c.table_name, c.column_name,
                  format_type(a.atttypid, a.atttypmod),
                  case when c.is_nullable = 'NO' then ' not null' else '' end,
                  coalesce(' default ' || c.column_default, '')) as line
             from information_schema.columns c
             join pg_attribute a on a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass
                                and a.attname = c.column_name
            where c.table_schema = $1
            order by c.table_name, c.ordinal_position`,
    values: [schema],
  });
  const constraints = await db.query<{ line: string }>({
    text: `select format('constraint %s.%s %s', rel.relname, con.conname, pg_get_constraintdef(con.oid)) as line
             from pg_constraint con join pg_class rel on rel.oid = con.conrelid
             join pg_namespace n on n.oid = rel.relnamespace
            where n.nspname = $1
            order by rel.relname, con.conname`,
    values: [schema],
  });
  const indexes = await db.query<{ line: string }>({
    text: `select format('index %s', regexp_replace(indexdef, ' ON \\w+\\.', ' ON ')) as line
             from pg_indexes where schemaname = $1 order by tablename, indexname`,
    values: [schema],
  });
  const options = await db.query<{ line: string }>({
    text: `select format('table %s %s', c.relname, array_to_string(c.reloptions, ',')) as line
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = $1 and c.relkind = 'r' and c.reloptions is not null
            order by c.relname`,
    values: [schema],
  });
  return [...columns.rows, ...constraints.rows, ...indexes.rows, ...options.rows].map((r) => r.line).join('\n') + '\n';
}
