/**
 * Event objects (events.k8s.io/v1) and the sink that writes them: the API server in the agent,
 * a fake in tests.
 *
 * @module
 */

import { EVENTS, resourcePath } from "./api_path.ts";
import { type KubeHttp, PATCH_CONTENT_TYPES } from "./http.ts";

/** The object an event is about. */
export interface EventRegarding {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

/** Repeats of one event, as events.k8s.io/v1 counts them. */
export interface EventSeries {
  /** Occurrences so far, at least 2. */
  count: number;
  /** MicroTime of the latest occurrence. */
  lastObservedTime: string;
}

/** An events.k8s.io/v1 Event as sent to the API server. */
export interface EventObject {
  apiVersion: "events.k8s.io/v1";
  kind: "Event";
  metadata: { name: string; namespace: string };
  /** MicroTime of the first occurrence. */
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  type: "Normal" | "Warning";
  note: string;
  regarding: EventRegarding;
  series?: EventSeries;
}

/** Where events are written. Errors propagate (the recorder logs them). */
export interface EventSink {
  create(event: EventObject): Promise<void>;
  /** Updates the count of an existing event; a missing event must throw a 404 error. */
  updateSeries(namespace: string, name: string, series: EventSeries): Promise<void>;
}

/**
 * A Kubernetes MicroTime: RFC 3339 with exactly six fractional digits (the API rejects others).
 *
 * @example
 * ```ts
 * import { microTime } from "./event_object.ts";
 * const text = microTime(Date.UTC(2024, 0, 2, 3, 4, 5, 67));
 * if (text !== "2024-01-02T03:04:05.067000Z") throw new Error(text);
 * ```
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** The API server's limit on `note`, in bytes. */
export const NOTE_LIMIT_BYTES = 1024;

const TRUNCATED = "...";

/**
 * Shortens a note to the API's limit by dropping its beginning: the end of a command's stderr
 * is what says why it failed. Cuts only between UTF-8 characters.
 *
 * @example
 * ```ts
 * import { truncateNote } from "./event_object.ts";
 * const note = truncateNote("x".repeat(2000) + "the real error", 20);
 * if (note !== "...xxxthe real error") throw new Error(note);
 * ```
 */
export function truncateNote(note: string, limitBytes = NOTE_LIMIT_BYTES): string {
  const bytes = new TextEncoder().encode(note);
  if (bytes.length <= limitBytes) return note;
  let start = bytes.length - (limitBytes - TRUNCATED.length);
  // Skip UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
  return TRUNCATED + new TextDecoder().decode(bytes.subarray(start));
}

/** Writes events through the API server. */
export class ApiEventSink implements EventSink {
  constructor(readonly http: KubeHttp) {}

  async create(event: EventObject): Promise<void> {
    const path = resourcePath(EVENTS, { namespace: event.metadata.namespace });
    await this.http.request("POST", path, { body: event });
  }

  async updateSeries(namespace: string, name: string, series: EventSeries): Promise<void> {
    await this.http.request("PATCH", resourcePath(EVENTS, { namespace, name }), {
      body: { series },
      contentType: PATCH_CONTENT_TYPES.merge,
    });
  }
}
