/**
 * docs/api.md's ingest example, run as written (curl, from the repository root) against a test
 * server: the example file must be accepted whole, and store what the docs say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { INGEST_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { eventList, query } from '../helpers/ce.js';
import { eventListRecordId } from '../../shared/names.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hasCurl = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;

/** The curl command of the ingest section's shell example, continuation lines joined. */
function documentedCurl(): string {
  const doc = readFileSync(`${root}/docs/api.md`, 'utf8');
  const section = doc.slice(doc.indexOf('## Ingest'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block.slice(block.indexOf('curl ')).replace(/\\\n\s*/g, ' ').trim();
}

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv.close();
});

describe('the documented ingest example', () => {
  it.skipIf(!hasCurl)('posts docs/examples/ingest-batch.json as written, and every event is stored', async () => {
    const command = documentedCurl();
    expect(command).toContain('@docs/examples/ingest-batch.json');
    // Asynchronously: the server answering curl runs in this process.
    const { stdout: out } = await promisify(execFile)('sh', ['-c', command.replace('http://127.0.0.1:8080', srv.url)], {
      cwd: root,
      env: { ...process.env, INGEST_TOKEN },
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ accepted: 3 });

    const batch = JSON.parse(readFileSync(`${root}/docs/examples/ingest-batch.json`, 'utf8')) as { data: { run: { uid: string } } }[];
    const prUid = batch[0]!.data.run.uid;
    const trUid = batch[2]!.data.run.uid;
    const own = await query(srv.url, `/ci/results/${prUid}/records/${eventListRecordId(prUid, prUid)}`);
    expect(eventList(own.body).items[0]!.regarding).not.toHaveProperty('taskName');
    const result = await query(srv.url, `/ci/results/${prUid}`);
    expect(result.status).toBe(200);
    const tr = await query(srv.url, `/ci/results/${prUid}/records/${eventListRecordId(prUid, trUid)}`);
    expect(eventList(tr.body).items.map((i) => i.reason)).toEqual(['FailedScheduling']);
  });
});
