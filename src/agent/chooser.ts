/**
 * The chooser: on the elected agent only, gives each claim of an `Immediate` class of ours a
 * node, by the config's `nodeSelectionPolicy` over the published capacity, by writing
 * `volume.kubernetes.io/selected-node` guarded by the claim's resourceVersion (so a claim is
 * never given two nodes, even by two leaders in a row). The agent of that node then provisions
 * it as it would after the scheduler's choice. A claim that fits nowhere gets a Warning and is
 * tried again with back-off, and at once whenever capacity, nodes or classes change.
 *
 * @module
 */

import { LEGACY_PROVISIONER } from "../config/constants.ts";
import type { Config } from "../config/types.ts";
import { capacityNodeLabel } from "../decide/capacity.ts";
import { claimClassName, type ClaimObject } from "../decide/claim.ts";
import { LABEL_CAPACITY_NODE } from "../decide/names.ts";
import { chooseNode, type NodeInfo, type TopologyTerm } from "../decide/node_choice.ts";
import {
  chooserDecision,
  type ClassLike,
  clusterUsage,
  type PvLike,
} from "../decide/node_usage.ts";
import { parseQuantityBytes } from "../decide/quantity.ts";
import type { ClaimApi } from "../kube/claim_api.ts";
import { type Clock, realClock } from "../kube/clock.ts";
import { type KubeObject, objectKey } from "../kube/objects.ts";
import { type ProcessOutcome, WorkQueue } from "../kube/work_queue.ts";
import type { AgentLogger, Cache, EventSink } from "./context.ts";

/** What the chooser reads and writes. */
export interface ChooserDeps {
  isLeader(): boolean;
  config(): Config;
  claims: Cache<KubeObject>;
  persistentVolumes: Cache<KubeObject>;
  storageClasses: Cache<KubeObject>;
  /** Every Node. */
  nodes: Cache<KubeObject>;
  /** Our CSIStorageCapacity objects. */
  capacities: Cache<KubeObject>;
  claimApi: Pick<ClaimApi, "setSelectedNode">;
  events: EventSink;
  log: AgentLogger;
  clock?: Clock;
}

/** A Node as the decisions read it. */
export function nodeInfo(node: KubeObject): NodeInfo {
  return {
    name: node.metadata.name,
    labels: node.metadata.labels ?? {},
    unschedulable: Boolean((node.spec as { unschedulable?: boolean } | undefined)?.unschedulable),
    deleting: Boolean(node.metadata.deletionTimestamp),
    notReady: !((node.status as { conditions?: { type?: string; status?: string }[] } | undefined)
      ?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
  };
}

function classLike(sc: KubeObject | undefined): ClassLike | undefined {
  return sc && {
    name: sc.metadata.name,
    provisioner: String(sc.provisioner ?? ""),
    volumeBindingMode: sc.volumeBindingMode as string | undefined,
  };
}

/** A choice written but maybe not yet in the claims cache. */
interface RecentChoice {
  node: string;
  bytes: number;
  at: number;
  /** The claim's resourceVersion the choice was made on: once the cache has moved past it,
   * the cache shows the choice (or what came after it). */
  decidedOn: string;
}

/** How long a written choice is counted while the cache has not caught up. */
const RECENT_MS = 60_000;

/** The chooser's queue and decisions. */
export class Chooser {
  readonly #d: ChooserDeps;
  readonly #clock: Clock;
  readonly #queue: WorkQueue;
  /** By claim uid. */
  readonly #recent = new Map<string, RecentChoice>();

  constructor(deps: ChooserDeps) {
    this.#d = deps;
    this.#clock = deps.clock ?? realClock;
    this.#queue = new WorkQueue((key) => this.#reconcile(key), {
      logger: deps.log,
      name: "chooser",
      // One at a time: each choice sees the previous one's promise.
      concurrency: 1,
      backoff: { initialMs: 1_000, maxMs: 60_000 },
      clock: deps.clock,
    });
  }

  start(): void {
    this.#queue.start();
  }

  /** A claim changed. */
  claimChanged(key: string): void {
    if (this.#d.isLeader()) this.#queue.add(key);
  }

  /** Space, nodes or classes changed (or leadership began): look at every waiting claim. */
  lookAgain(): void {
    if (!this.#d.isLeader()) return;
    const provisioners = this.#provisioners();
    for (const claim of this.#d.claims.list() as (KubeObject & ClaimObject)[]) {
      const sc = classLike(this.#d.storageClasses.get(claimClassName(claim) ?? ""));
      if (chooserDecision(claim, sc, provisioners).action === "choose") {
        this.#queue.add(objectKey(claim));
      }
    }
  }

  async stop(): Promise<void> {
    await this.#queue.shutdown(10_000);
  }

  #provisioners(): string[] {
    return [this.#d.config().provisionerName, LEGACY_PROVISIONER];
  }

  async #reconcile(key: string): Promise<ProcessOutcome> {
    const d = this.#d;
    if (!d.isLeader()) return;
    const claim = d.claims.get(key) as (KubeObject & ClaimObject) | undefined;
    if (!claim) return;
    const className = claimClassName(claim) ?? "";
    const sc = d.storageClasses.get(className);
    const provisioners = this.#provisioners();
    const hasVolume = Boolean(d.persistentVolumes.get(`pvc-${claim.metadata.uid}`));
    const decision = chooserDecision(claim, classLike(sc), provisioners, hasVolume);
    if (decision.action === "ignore") return;
    if (decision.action === "reject") {
      // Only a change of the claim can help; its update brings it back here.
      d.events.warning(claim, "ProvisioningFailed", decision.message);
      return;
    }
    this.#prune();
    // Chosen already; the cache has not caught up with the write.
    if (this.#recent.has(claim.metadata.uid ?? "")) return;

    const nodes = d.nodes.list().map(nodeInfo);
    const choice = chooseNode({
      policy: d.config().nodeSelectionPolicy,
      requestBytes: decision.requestBytes,
      nodes,
      published: this.#published(className, nodes),
      ...this.#usage(nodes, provisioners),
      allowedTopologies: sc?.allowedTopologies as TopologyTerm[] | undefined,
    });
    if (!choice.ok) {
      d.events.warning(claim, "ProvisioningFailed", choice.reason);
      d.log.warn("Cannot choose a node for {claim}: {reason}", {
        claim: key,
        reason: choice.reason,
      });
      return { retry: true };
    }
    // Leadership may have ended while deciding: a former leader writes nothing.
    if (!d.isLeader()) return;
    const { namespace = "default", name, resourceVersion } = claim.metadata;
    // Without a resourceVersion the write would be unguarded: never.
    if (!resourceVersion) return { retry: true };
    const result = await d.claimApi.setSelectedNode(namespace, name, resourceVersion, choice.node);
    if (result.status !== "patched") {
      // Changed or gone meanwhile: its update (if any) brings it back with fresh data.
      d.log.debug("Choosing a node for {claim}: {status}, deciding again on its next version", {
        claim: key,
        status: result.status,
      });
      return;
    }
    this.#recent.set(claim.metadata.uid ?? "", {
      node: choice.node,
      bytes: decision.requestBytes,
      at: this.#clock.now(),
      decidedOn: resourceVersion,
    });
    d.events.normal(claim, "NodeSelected", `Selected node ${choice.node}: ${choice.reason}`);
    d.log.info("Selected node {node} for {claim}: {reason}", {
      claim: key,
      node: choice.node,
      reason: choice.reason,
    });
  }

  /** Forgets the choices the cache shows now (or that are too old to trust). */
  #prune(): void {
    const now = this.#clock.now();
    const byUid = new Map(this.#d.claims.list().map((c) => [c.metadata.uid, c]));
    for (const [uid, recent] of this.#recent) {
      const cached = byUid.get(uid);
      if (
        !cached || cached.metadata.resourceVersion !== recent.decidedOn ||
        now - recent.at > RECENT_MS
      ) this.#recent.delete(uid);
    }
  }

  /** Published bytes per node name for one class, from our CSIStorageCapacity objects. */
  #published(className: string, nodes: readonly NodeInfo[]): Map<string, number> {
    const byLabel = new Map(nodes.map((n) => [capacityNodeLabel(n.name), n.name]));
    const out = new Map<string, number>();
    for (const o of this.#d.capacities.list()) {
      if (o.storageClassName !== className) continue;
      const node = byLabel.get(o.metadata.labels?.[LABEL_CAPACITY_NODE] ?? "");
      const bytes = parseQuantityBytes(String(o.maximumVolumeSize ?? o.capacity ?? ""));
      if (node !== undefined) out.set(node, bytes.ok ? bytes.bytes : 0);
    }
    return out;
  }

  /** Volumes and promised bytes per node, including choices the cache has not shown yet. */
  #usage(nodes: readonly NodeInfo[], provisioners: readonly string[]) {
    const d = this.#d;
    const claims = d.claims.list() as (KubeObject & ClaimObject)[];
    const ourClasses = new Set(
      d.storageClasses.list().filter((sc) => provisioners.includes(String(sc.provisioner)))
        .map((sc) => sc.metadata.name),
    );
    const usage = clusterUsage({
      nodes,
      pvs: d.persistentVolumes.list() as unknown as PvLike[],
      claims,
      ourClasses,
      provisioners,
    });
    for (const recent of this.#recent.values()) {
      usage.volumes.set(recent.node, (usage.volumes.get(recent.node) ?? 0) + 1);
      usage.promised.set(recent.node, (usage.promised.get(recent.node) ?? 0) + recent.bytes);
    }
    return usage;
  }
}
