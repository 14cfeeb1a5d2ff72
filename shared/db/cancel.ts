/**
 * Cancelling a running statement from outside its connection. node-postgres has no public
 * cancel: Postgres' protocol does it with a CancelRequest, sent on a new connection with the
 * backend's process id and secret key (both told to the client at start-up). No login, no
 * pooled connection is needed, so a cancel works even when the pool is exhausted.
 */
import { connect } from 'node:net';
import type pg from 'pg';

/** The protocol's CancelRequest code: 1234 in the high 16 bits, 5678 in the low. */
const CANCEL_REQUEST_CODE = 80877102;

interface KeyedClient {
  processID: number | null;
  secretKey: number | null;
  connectionParameters: { host: string; port: number };
}

/** Asks Postgres to cancel what `client`'s backend is running; resolves once the request is sent. */
export function sendCancel(client: pg.ClientBase, timeoutMs = 2_000): Promise<void> {
  const { processID, secretKey, connectionParameters } = client as unknown as KeyedClient;
  if (processID === null || secretKey === null) return Promise.resolve();
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  message.writeInt32BE(processID, 8);
  message.writeInt32BE(secretKey, 12);
  const { host, port } = connectionParameters;
  return new Promise((resolve, reject) => {
    const socket = host.startsWith('/') ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host);
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`cancel request to ${host}:${port} timed out`)));
    socket.once('connect', () => socket.end(message));
    // Postgres answers nothing and closes the connection once it has read the request.
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
}
