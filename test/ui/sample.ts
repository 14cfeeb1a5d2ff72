/** Loads the recorded sample run (what `npm start` shows) into a test server, through ingest, as `npm start` does. */
import { sampleBatches } from '../../sample/failedPipelineRun.js';
import { INGEST_TOKEN } from '../helpers/server.js';

export async function loadSampleRun(url: string, extra: unknown[] = []): Promise<void> {
  for (const batch of [...sampleBatches(), ...(extra.length ? [extra] : [])]) {
    const res = await fetch(`${url}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/cloudevents-batch+json', authorization: `Bearer ${INGEST_TOKEN}` },
      body: JSON.stringify(batch),
    });
    if (!res.ok) throw new Error(`loading the sample failed: ${res.status} ${await res.text()}`);
  }
}
