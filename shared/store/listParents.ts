/**
 * The parents (namespaces) that have at least one result. The Kubernetes authoriser asks for a
 * SubjectAccessReview per namespace when a caller who may not read cluster-wide lists `-`:
 * only namespaces that hold data can matter, and there are few of them.
 */
import type pg from 'pg';

/**
 * Distinct `results.parent`, sorted. A recursive "loose index scan" on the (parent, …) index:
 * one index probe per distinct parent instead of reading every result row.
 */
export async function listParents(db: pg.ClientBase | pg.Pool): Promise<string[]> {
  const { rows } = await db.query<{ parent: string }>({
    text: `with recursive p(parent) as (
             (select parent from results order by parent limit 1)
             union all
             select (select r.parent from results r where r.parent > p.parent order by r.parent limit 1)
               from p where p.parent is not null
           )
           select parent from p where parent is not null`,
    values: [],
  });
  return rows.map((r) => r.parent);
}
