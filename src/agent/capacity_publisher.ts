/**
 * Publishes this node's free space as CSIStorageCapacity objects, one per StorageClass of
 * ours, so that kube-scheduler only picks nodes that can fit a claim (the `CSIDriver` named
 * like the provisioner, with `storageCapacity: true`, switches the check on). A node that the
 * config disables or does not cover gets no objects: the scheduler then rejects it.
 *
 * Runs after every change that may move the number (debounced), at once when asked (before a
 * reschedule, so the scheduler's next pick sees the truth), and periodically (space used
 * behind the agent's back). One publish at a time; a failed one is retried with back-off.
 *
 * @module
 */

import type { Config } from "../config/types.ts";
import { entryForNode } from "../config/lookup.ts";
import {
  type CapacityNode,
  capacitySelector,
  desiredCapacities,
  largestVolume,
} from "../decide/capacity.ts";
import { capacityChanges } from "../decide/capacity_diff.ts";
import { formatBytes } from "../decide/quantity.ts";
import type { Reservation } from "../decide/vg_choice.ts";
import type { Executor } from "../host/executor.ts";
import { Backoff } from "../kube/backoff.ts";
import type { CapacityApi } from "../kube/capacity_api.ts";
import { type Clock, realClock } from "../kube/clock.ts";
import { listVolumeGroups } from "../provision/node_queries.ts";
import type { AgentLogger } from "./context.ts";

/** The namespace of deploy/, when neither POD_NAMESPACE nor the kubeconfig names one. */
export const DEFAULT_NAMESPACE = "local-lvm-storage";

/** What the publisher reads and writes. */
export interface CapacityPublisherDeps {
  nodeName: string;
  /** Where the objects live: the agent's own namespace. */
  namespace: string;
  exec: Executor;
  api: CapacityApi;
  config(): Config;
  reservations(): readonly Reservation[];
  /** Every StorageClass as `[name, provisioner]`. */
  storageClasses(): readonly (readonly [string, string])[];
  /** The Node (uid and hostname label); undefined until it is seen, or once it is gone. */
  node(): CapacityNode | undefined;
  log: AgentLogger;
  clock?: Clock;
  /** Wait after a change before publishing, so a burst of changes is one publish. */
  debounceMs?: number;
  /** Publish at least this often. */
  periodMs?: number;
}

/** What was last published. */
export interface PublishedCapacity {
  /** Bytes per object; undefined when the node has no objects (disabled). */
  bytes?: number;
  classes: string[];
}

/** Keeps this node's CSIStorageCapacity objects current. */
export class CapacityPublisher {
  readonly #deps: CapacityPublisherDeps;
  readonly #clock: Clock;
  readonly #backoff = new Backoff({ initialMs: 1_000, maxMs: 30_000 });
  #timer: unknown;
  #timerDue = Infinity;
  #queued: Promise<boolean> | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #stopped = false;
  #last: PublishedCapacity | undefined;

  constructor(deps: CapacityPublisherDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? realClock;
  }

  /** The last successful publish, if any. */
  get last(): PublishedCapacity | undefined {
    return this.#last;
  }

  /** Something changed: publish soon (debounced). */
  request(): void {
    this.#schedule(this.#deps.debounceMs ?? 500);
  }

  /**
   * Publishes now (after the one in progress, if any). Resolves true when the objects are
   * current, false when the publish failed (it is then retried in the background).
   */
  publishNow(): Promise<boolean> {
    if (this.#stopped) return Promise.resolve(false);
    if (this.#queued) return this.#queued;
    const run = this.#tail.then(() => {
      this.#queued = undefined;
      return this.#publish();
    });
    this.#queued = run;
    this.#tail = run;
    return run;
  }

  /** Stops the timers and waits for a publish in progress. The objects stay: a restarting
   * agent must not make its node unschedulable. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clearTimer();
    await this.#tail;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    const due = this.#clock.now() + ms;
    if (due >= this.#timerDue) return;
    this.#clearTimer();
    this.#timerDue = due;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerDue = Infinity;
      void this.publishNow();
    }, ms);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Infinity;
  }

  async #publish(): Promise<boolean> {
    if (this.#stopped) return false;
    this.#clearTimer();
    const { log, nodeName } = this.#deps;
    try {
      const published = await this.#reconcile();
      this.#backoff.reset();
      const changed = JSON.stringify(published) !== JSON.stringify(this.#last);
      this.#last = published;
      (changed ? log.info : log.debug).call(
        log,
        "Published capacity of node {node}: {capacity} for classes {classes}",
        {
          node: nodeName,
          capacity: published.bytes === undefined ? "none" : formatBytes(published.bytes),
          bytes: published.bytes,
          classes: published.classes,
        },
      );
      this.#schedule(this.#deps.periodMs ?? 60_000);
      return true;
    } catch (error) {
      const retryMs = this.#backoff.next();
      log.warn("Publishing the capacity of node {node} failed (retry in {retryMs} ms): {error}", {
        node: nodeName,
        retryMs,
        error: (error as Error).message,
      });
      this.#schedule(retryMs);
      return false;
    }
  }

  async #reconcile(): Promise<PublishedCapacity> {
    const deps = this.#deps;
    const node = deps.node();
    if (!node) {
      // No Node, no owner for the objects; the scheduler cannot pick a missing node anyway.
      return { classes: [] };
    }
    const config = deps.config();
    const classes = deps.storageClasses()
      .filter(([, provisioner]) => provisioner === config.provisionerName)
      .map(([name]) => name)
      .sort();
    const lookup = entryForNode(config, deps.nodeName);
    let bytes: number | undefined;
    if (lookup.ok && classes.length > 0) {
      bytes = largestVolume({
        configuredVgs: lookup.entry.vgs,
        reports: await listVolumeGroups(deps.exec),
        reservations: deps.reservations(),
      }).bytes;
    }
    const desired = bytes === undefined
      ? []
      : desiredCapacities({ namespace: deps.namespace, node, classes, bytes });
    const existing = await deps.api.list(deps.namespace, capacitySelector(deps.nodeName));
    for (const change of capacityChanges(desired, existing)) {
      await deps.api.apply(deps.namespace, change);
    }
    return bytes === undefined ? { classes: [] } : { bytes, classes };
  }
}
