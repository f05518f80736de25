/**
 * Events on claims (and other objects), written fire-and-forget so they never hold up
 * provisioning. Repeats of the same event on the same object within 10 minutes update the first
 * event's count (`series`) instead of creating new Events, as client-go's recorder does, so a
 * retry loop cannot flood the API server.
 *
 * @module
 */

import { type Clock, realClock } from "./clock.ts";
import { isNotFound } from "./errors.ts";
import {
  type EventObject,
  type EventRegarding,
  type EventSink,
  microTime,
  truncateNote,
} from "./event_object.ts";
import type { KubeLogger } from "./logger.ts";

/** Event reasons `kubectl describe` users know, with the action each reports. */
export const EVENT_ACTIONS = {
  Provisioning: "Provision",
  ProvisioningSucceeded: "Provision",
  ProvisioningFailed: "Provision",
  VolumeFailedDelete: "Delete",
  Resizing: "Resize",
  VolumeResizeSuccessful: "Resize",
  VolumeResizeFailed: "Resize",
  /** The chooser picked a node for a claim of an Immediate class. */
  NodeSelected: "SelectNode",
  /** A PV's node was deleted: the volume is deleted (Delete) or kept and reported (Retain). */
  NodeDeleted: "Delete",
} as const;

/** One of the reasons in {@link EVENT_ACTIONS}. */
export type EventReason = keyof typeof EVENT_ACTIONS;

/** Default `reportingController`. */
export const DEFAULT_REPORTING_CONTROLLER = "local-lvm.io/agent";

/** The object an event is recorded on: anything with metadata, as the API sends it. */
export interface EventTarget {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** How an {@link EventRecorder} is set up. */
export interface EventRecorderOptions {
  sink: EventSink;
  logger: KubeLogger;
  /** This agent's node name (events.k8s.io `reportingInstance`). */
  reportingInstance: string;
  /** Default {@link DEFAULT_REPORTING_CONTROLLER}. */
  reportingController?: string;
  /** Repeats within this time update the earlier event; default 10 min. */
  aggregationWindowMs?: number;
  /** Distinct events remembered for aggregation; default 4096 (least recent dropped). */
  maxCacheEntries?: number;
  clock?: Clock;
}

interface Entry {
  event: EventObject;
  count: number;
  written: number;
  lastSeen: number;
  /** False until the event exists on the server. */
  created: boolean;
  /** Writes of one entry run in order. */
  chain: Promise<void>;
}

/** Records events; see the module doc. */
export class EventRecorder {
  readonly #options: EventRecorderOptions;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  readonly #pending = new Set<Promise<void>>();
  #sequence = 0n;

  constructor(options: EventRecorderOptions) {
    this.#options = options;
    this.#clock = options.clock ?? realClock;
  }

  /** Records a Normal event. */
  normal(target: EventTarget, reason: EventReason, note: string): void {
    this.record(target, "Normal", reason, note);
  }

  /** Records a Warning event. */
  warning(target: EventTarget, reason: EventReason, note: string): void {
    this.record(target, "Warning", reason, note);
  }

  /** Records an event; returns at once, the write happens in the background. */
  record(target: EventTarget, type: "Normal" | "Warning", reason: EventReason, note: string) {
    const now = this.#clock.now();
    const regarding: EventRegarding = {
      apiVersion: target.apiVersion,
      kind: target.kind,
      namespace: target.metadata.namespace,
      name: target.metadata.name,
      uid: target.metadata.uid,
      resourceVersion: target.metadata.resourceVersion,
    };
    const text = truncateNote(note);
    const who = target.metadata.uid ?? `${regarding.namespace}/${regarding.name}`;
    const key = JSON.stringify([regarding.kind, who, type, reason, text]);
    const window = this.#options.aggregationWindowMs ?? 600_000;
    const existing = this.#entries.get(key);
    if (existing && now - existing.lastSeen <= window) {
      existing.count++;
      existing.lastSeen = now;
      this.#entries.delete(key);
      this.#entries.set(key, existing);
      this.#enqueue(existing, () => this.#writeRepeat(existing));
      return;
    }
    const entry: Entry = {
      event: this.#newEvent(regarding, type, reason, text, now),
      count: 1,
      written: 0,
      lastSeen: now,
      created: false,
      chain: Promise.resolve(),
    };
    this.#entries.set(key, entry);
    const max = this.#options.maxCacheEntries ?? 4096;
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= max) break;
      this.#entries.delete(oldest);
    }
    this.#enqueue(entry, () => this.#create(entry));
  }

  /** Resolves once every event recorded so far has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #newEvent(
    regarding: EventRegarding,
    type: "Normal" | "Warning",
    reason: EventReason,
    note: string,
    now: number,
  ): EventObject {
    // Unique like client-go's `<name>.<unix nanoseconds in hex>`; the sequence breaks ties.
    const suffix = (BigInt(now) * 1_000_000n + this.#sequence++ % 1_000_000n).toString(16);
    return {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: {
        name: `${regarding.name.slice(0, 252 - suffix.length)}.${suffix}`,
        namespace: regarding.namespace ?? "default",
      },
      eventTime: microTime(now),
      reportingController: this.#options.reportingController ?? DEFAULT_REPORTING_CONTROLLER,
      reportingInstance: this.#options.reportingInstance.slice(0, 128),
      action: EVENT_ACTIONS[reason],
      reason,
      type,
      note,
      regarding,
    };
  }

  #enqueue(entry: Entry, write: () => Promise<void>): void {
    const next = entry.chain.then(write).catch((error) => {
      this.#options.logger.warn("Could not write event {reason} on {kind} {name}: {error}", {
        reason: entry.event.reason,
        kind: entry.event.regarding.kind,
        name: entry.event.regarding.name,
        error: error instanceof Error ? error.message : String(error),
      });
    });
    entry.chain = next;
    this.#pending.add(next);
    void next.finally(() => this.#pending.delete(next));
  }

  async #create(entry: Entry): Promise<void> {
    const count = entry.count;
    // The API accepts `series` on create too, so a count survives a failed first write.
    const series = count > 1 ? { count, lastObservedTime: microTime(entry.lastSeen) } : undefined;
    await this.#options.sink.create(series ? { ...entry.event, series } : entry.event);
    entry.created = true;
    entry.written = count;
  }

  async #writeRepeat(entry: Entry): Promise<void> {
    // A later repeat already wrote this count.
    if (entry.written >= entry.count) return;
    if (!entry.created) return await this.#create(entry);
    const series = { count: entry.count, lastObservedTime: microTime(entry.lastSeen) };
    const { namespace, name } = entry.event.metadata;
    try {
      await this.#options.sink.updateSeries(namespace, name, series);
      entry.written = series.count;
    } catch (error) {
      // Events expire (1 h by default): write it again under a new name.
      if (!isNotFound(error)) throw error;
      const { regarding, type, reason, note } = entry.event;
      entry.event = this.#newEvent(regarding, type, reason as EventReason, note, entry.lastSeen);
      await this.#create(entry);
    }
  }
}
