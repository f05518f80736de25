/** An in-memory {@link EventSink} that behaves like the API server for events. */

import type { EventObject, EventSeries, EventSink } from "../../src/kube/event_object.ts";
import { KubeApiError } from "../../src/kube/errors.ts";

/** One call the sink received. */
export type SinkCall =
  | { op: "create"; event: EventObject }
  | { op: "updateSeries"; namespace: string; name: string; series: EventSeries };

/** Stores events by namespace/name; `failNext` makes the next call throw. */
export class FakeEventSink implements EventSink {
  readonly calls: SinkCall[] = [];
  readonly events = new Map<string, EventObject>();
  failNext: Error | undefined;

  create(event: EventObject): Promise<void> {
    this.calls.push({ op: "create", event: structuredClone(event) });
    const failure = this.#takeFailure();
    if (failure) return Promise.reject(failure);
    const key = `${event.metadata.namespace}/${event.metadata.name}`;
    if (this.events.has(key)) {
      return Promise.reject(new KubeApiError("POST", key, 409, "AlreadyExists", "exists"));
    }
    this.events.set(key, structuredClone(event));
    return Promise.resolve();
  }

  updateSeries(namespace: string, name: string, series: EventSeries): Promise<void> {
    this.calls.push({ op: "updateSeries", namespace, name, series });
    const failure = this.#takeFailure();
    if (failure) return Promise.reject(failure);
    const event = this.events.get(`${namespace}/${name}`);
    if (!event) {
      return Promise.reject(new KubeApiError("PATCH", name, 404, "NotFound", "not found"));
    }
    event.series = series;
    return Promise.resolve();
  }

  #takeFailure(): Error | undefined {
    const failure = this.failNext;
    this.failNext = undefined;
    return failure;
  }
}
