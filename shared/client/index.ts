/** The API client: `new EventsClient({ server, token })`; every failure is an ApiError. */
export { EventsClient, decodeEventList, RESULTS_PREFIX, type ClientOptions, type TimelineOptions } from './client.js';
export { ApiError, type ApiErrorCode } from './apiError.js';
export type * from './types.js';
