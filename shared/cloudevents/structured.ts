/**
 * Structured-mode CloudEvents for the outgoing direction, through the project's one binding
 * (the `cloudevents` SDK, as the forwarder uses it): the webhook dispatcher writes each delivery
 * as one `application/cloudevents+json` body.
 */
import { CloudEvent, HTTP } from 'cloudevents';

export interface StructuredAttributes {
  id: string;
  type: string;
  source: string;
  subject?: string;
  time?: string;
  data: unknown;
}

export function structuredMessage(attrs: StructuredAttributes): { contentType: string; body: string } {
  // Not validated again here: every attribute comes from data the ingest function checked.
  const ce = new CloudEvent({ specversion: '1.0', datacontenttype: 'application/json', ...attrs }, false);
  const message = HTTP.structured(ce);
  return { contentType: String(message.headers['content-type']), body: String(message.body) };
}
