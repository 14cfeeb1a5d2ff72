/** Errors as the API server writes them: a `Status` object with the HTTP code and its reason. */
import type { ServerResponse } from 'node:http';

/** HTTP code → metav1.StatusReason, as apimachinery pairs them. */
export const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  retryAfterSeconds?: number;
}

export function statusBody(code: number, reason: string | undefined, message: string, details?: StatusDetails): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: reason ?? REASONS[code] ?? 'Unknown',
    ...(details ? { details } : {}),
    code,
  };
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function sendStatus(res: ServerResponse, code: number, message: string, details?: StatusDetails, reason?: string): void {
  // The API server asks throttled clients to come back later (client-go honours it).
  const headers: Record<string, string> = code === 429 || details?.retryAfterSeconds !== undefined ? { 'retry-after': String(details?.retryAfterSeconds ?? 1) } : {};
  sendJson(res, code, statusBody(code, reason, message, details), headers);
}
