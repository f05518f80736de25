/**
 * Volumes of deleted nodes, on the elected agent only. When a Node object goes, our PVs pinned
 * to it have lost their storage and no agent will ever tear them down (the original left them
 * Released forever, retrying). After a grace period, in case the node comes back (a node
 * re-registered by repair keeps its volumes), this deletes the PVs under `Delete`, removing
 * our finalizer so they really go, and reports those under `Retain` once, leaving them to the
 * admin. Each gets an Event: on its claim if the claim still exists, else on the PV.
 *
 * The grace clock starts when the leader first sees a PV stranded; a new leader starts it
 * again (it cannot know when the node went), which only ever waits longer.
 *
 * @module
 */

import { LEGACY_PROVISIONER } from "../config/constants.ts";
import type { Config } from "../config/types.ts";
import {
  graceState,
  type StrandedPvLike,
  type StrandedVolume,
  strandedVolumes,
} from "../decide/deleted_nodes.ts";
import { FINALIZER } from "../decide/names.ts";
import { type Clock, realClock } from "../kube/clock.ts";
import type { KubeObject } from "../kube/objects.ts";
import type { VolumeApi } from "../kube/volume_api.ts";
import { WorkQueue } from "../kube/work_queue.ts";
import { nodeInfo } from "./chooser.ts";
import type { AgentLogger, Cache, EventSink } from "./context.ts";

/** What the cleaner reads and writes. */
export interface StrandedVolumeDeps {
  isLeader(): boolean;
  /** The Node and PV caches are complete (an empty cache before the first list is no proof). */
  synced(): boolean;
  config(): Config;
  persistentVolumes: Cache<KubeObject>;
  claims: Cache<KubeObject>;
  nodes: Cache<KubeObject>;
  volumes: Pick<VolumeApi, "deletePersistentVolume">;
  events: EventSink;
  log: AgentLogger;
  /** How long a node must stay gone before its volumes are given up. */
  graceMs: number;
  clock?: Clock;
}

/** Deletes or reports the PVs of deleted nodes; see the module doc. */
export class StrandedVolumes {
  readonly #d: StrandedVolumeDeps;
  readonly #clock: Clock;
  readonly #queue: WorkQueue;
  #since = new Map<string, number>();
  /** Retained PVs reported already (by uid or name): once, not at every look. */
  readonly #reported = new Set<string>();
  #timer: unknown;

  constructor(deps: StrandedVolumeDeps) {
    this.#d = deps;
    this.#clock = deps.clock ?? realClock;
    this.#queue = new WorkQueue((pv) => this.#remove(pv), {
      logger: deps.log,
      name: "stranded-volumes",
      backoff: { initialMs: 1_000, maxMs: 300_000 },
      clock: deps.clock,
    });
  }

  start(): void {
    this.#queue.start();
  }

  /** Nodes or PVs changed, the grace timer fired, or leadership began: look again. */
  look(): void {
    if (!this.#d.isLeader() || !this.#d.synced()) return;
    const now = this.#clock.now();
    const stranded = this.#stranded();
    const state = graceState(this.#since, stranded, now, this.#d.graceMs);
    for (const v of stranded) {
      if (!this.#since.has(v.pv)) {
        this.#d.log.warn(
          "Volume {pv} is pinned to node {node}, which no longer exists; giving it up in " +
            "{seconds} s unless the node comes back (reclaim policy {policy})",
          { pv: v.pv, node: v.hostname, seconds: this.#d.graceMs / 1000, policy: v.reclaimPolicy },
        );
      }
    }
    for (const pv of this.#since.keys()) {
      if (!state.since.has(pv) && this.#d.persistentVolumes.get(pv)) {
        this.#d.log.info("Volume {pv}: its node is back, keeping it", { pv });
      }
    }
    this.#since = state.since;
    for (const v of state.due) {
      if (v.reclaimPolicy === "Delete") this.#queue.add(v.pv);
      else this.#report(v);
    }
    this.#clock.clearTimeout(this.#timer);
    if (state.nextInMs !== undefined) {
      this.#timer = this.#clock.setTimeout(() => this.look(), state.nextInMs + 10);
    }
  }

  /** Leadership ended: forget the clocks (the next leader starts its own). */
  leadershipLost(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#since.clear();
  }

  async stop(): Promise<void> {
    this.#clock.clearTimeout(this.#timer);
    await this.#queue.shutdown(10_000);
  }

  #stranded(): StrandedVolume[] {
    return strandedVolumes({
      pvs: this.#d.persistentVolumes.list() as unknown as StrandedPvLike[],
      nodes: this.#d.nodes.list().map(nodeInfo),
      provisioners: [this.#d.config().provisionerName, LEGACY_PROVISIONER],
      finalizer: FINALIZER,
    });
  }

  /** The claim (if it still exists and is this PV's), else the PV: where the Event goes. */
  #eventTarget(v: StrandedVolume): KubeObject | undefined {
    const claim = v.claim && this.#d.claims.get(`${v.claim.namespace}/${v.claim.name}`);
    if (claim && (!v.claim?.uid || claim.metadata.uid === v.claim.uid)) return claim;
    return this.#d.persistentVolumes.get(v.pv);
  }

  #report(v: StrandedVolume): void {
    const pv = this.#d.persistentVolumes.get(v.pv);
    const id = pv?.metadata.uid ?? v.pv;
    if (this.#reported.has(id)) return;
    this.#reported.add(id);
    const note = `Node ${v.hostname} was deleted and did not come back; volume ${v.pv} ` +
      `(reclaim policy ${v.reclaimPolicy}) is kept, but its storage went with the node: ` +
      `delete the PersistentVolume when it is no longer needed`;
    const target = this.#eventTarget(v);
    if (target) this.#d.events.warning(target, "NodeDeleted", note);
    this.#d.log.warn("Volume {pv} (reclaim policy {policy}) of deleted node {node} is kept", {
      pv: v.pv,
      policy: v.reclaimPolicy,
      node: v.hostname,
    });
  }

  async #remove(name: string): Promise<void> {
    if (!this.#d.isLeader() || !this.#d.synced()) return;
    // Still stranded, still due, still Delete: decided again on the current caches.
    const v = this.#stranded().find((s) => s.pv === name);
    const since = this.#since.get(name);
    if (!v || v.reclaimPolicy !== "Delete" || since === undefined) return;
    if (this.#clock.now() - since < this.#d.graceMs) return;
    const target = this.#eventTarget(v);
    await this.#d.volumes.deletePersistentVolume(name);
    this.#since.delete(name);
    const note = `Node ${v.hostname} was deleted and did not come back within ` +
      `${this.#d.graceMs / 1000} s; deleted volume ${v.pv} (reclaim policy Delete): its ` +
      `storage went with the node`;
    if (target) this.#d.events.warning(target, "NodeDeleted", note);
    this.#d.log.warn("Deleted volume {pv} of deleted node {node}", {
      pv: v.pv,
      node: v.hostname,
    });
  }
}
