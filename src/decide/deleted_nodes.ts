/**
 * Volumes whose node is gone: our PVs pinned (by node affinity) to a hostname that no Node has
 * any more. Their storage went with the node, so no agent will ever tear them down; after a
 * grace period (a node deleted and re-created, e.g. by a cloud's node repair, keeps its
 * volumes) the chooser deletes those under `Delete` and reports those under `Retain`.
 *
 * @module
 */

import { ANN_PROVISIONED_BY } from "./names.ts";
import type { NodeInfo } from "./node_choice.ts";
import { nodeForHostname, pinnedHostnames, type PvLike } from "./node_usage.ts";

/** One of our PVs pinned to a node that no longer exists. */
export interface StrandedVolume {
  pv: string;
  /** The hostname value of its node affinity. */
  hostname: string;
  /** `Delete`, `Retain` (or `Recycle`, which we treat like Retain). */
  reclaimPolicy: string;
  /** The claim it is bound to, if any. */
  claim?: { namespace: string; name: string; uid?: string };
}

/** A PV with the claim reference we read. */
export type StrandedPvLike = PvLike & {
  spec: { claimRef?: { name?: string; namespace?: string; uid?: string } };
};

/**
 * Our PVs whose pinned node is not among `nodes`. PVs already being deleted without our
 * finalizer are on their way out and are left alone.
 *
 * @example
 * ```ts
 * import { strandedVolumes } from "./deleted_nodes.ts";
 * const pv = (name: string, node: string) => ({
 *   metadata: { name, annotations: { "pv.kubernetes.io/provisioned-by": "local-lvm.io" } },
 *   spec: {
 *     persistentVolumeReclaimPolicy: "Delete",
 *     nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [
 *       { key: "kubernetes.io/hostname", operator: "In", values: [node] },
 *     ] }] } },
 *   },
 * });
 * const gone = strandedVolumes({
 *   pvs: [pv("pvc-1", "a"), pv("pvc-2", "b")],
 *   nodes: [{ name: "a", labels: {} }],
 *   provisioners: ["local-lvm.io"],
 *   finalizer: "local-lvm.io/storage",
 * });
 * if (gone.map((v) => v.pv).join() !== "pvc-2") throw new Error();
 * ```
 */
export function strandedVolumes(input: {
  pvs: readonly StrandedPvLike[];
  nodes: readonly NodeInfo[];
  provisioners: readonly string[];
  finalizer: string;
}): StrandedVolume[] {
  const out: StrandedVolume[] = [];
  for (const pv of input.pvs) {
    const by = pv.metadata.annotations?.[ANN_PROVISIONED_BY];
    if (!by || !input.provisioners.includes(by)) continue;
    const finalizers = (pv.metadata as { finalizers?: string[] | null }).finalizers ?? [];
    if (pv.metadata.deletionTimestamp && !finalizers.includes(input.finalizer)) continue;
    const pinned = pinnedHostnames(pv);
    if (pinned.length !== 1) continue;
    if (nodeForHostname(input.nodes, pinned[0]) !== undefined) continue;
    const ref = pv.spec.claimRef;
    out.push({
      pv: pv.metadata.name,
      hostname: pinned[0],
      reclaimPolicy: pv.spec.persistentVolumeReclaimPolicy ?? "Retain",
      ...(ref?.name && ref.namespace
        ? { claim: { namespace: ref.namespace, name: ref.name, uid: ref.uid } }
        : {}),
    });
  }
  return out.sort((a, b) => a.pv < b.pv ? -1 : a.pv > b.pv ? 1 : 0);
}

/** The grace bookkeeping after one look. */
export interface GraceState {
  /** When each stranded PV was first seen stranded (ms); PVs whose node is back are dropped. */
  since: Map<string, number>;
  /** Stranded for at least the grace period: act on these now. */
  due: StrandedVolume[];
  /** Milliseconds until the next PV becomes due; undefined when none is waiting. */
  nextInMs?: number;
}

/**
 * Starts the clock for newly stranded PVs, forgets those whose node came back, and says which
 * have waited long enough.
 *
 * @example
 * ```ts
 * import { graceState } from "./deleted_nodes.ts";
 * const v = { pv: "pvc-1", hostname: "a", reclaimPolicy: "Delete" };
 * const first = graceState(new Map(), [v], 1_000, 300_000);
 * if (first.due.length !== 0 || first.nextInMs !== 300_000) throw new Error();
 * const later = graceState(first.since, [v], 301_000, 300_000);
 * if (later.due.length !== 1) throw new Error();
 * // The node came back: the clock is forgotten.
 * if (graceState(later.since, [], 302_000, 300_000).since.size !== 0) throw new Error();
 * ```
 */
export function graceState(
  previous: ReadonlyMap<string, number>,
  stranded: readonly StrandedVolume[],
  now: number,
  graceMs: number,
): GraceState {
  const since = new Map<string, number>();
  const due: StrandedVolume[] = [];
  let nextInMs: number | undefined;
  for (const volume of stranded) {
    const start = previous.get(volume.pv) ?? now;
    since.set(volume.pv, start);
    const left = start + graceMs - now;
    if (left <= 0) due.push(volume);
    else nextInMs = Math.min(nextInMs ?? left, left);
  }
  return { since, due, nextInMs };
}
