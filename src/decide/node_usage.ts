/**
 * What the chooser reads off the caches: which claims wait for it (an `Immediate` class of
 * ours, no node yet), and per node, how many of our volumes it holds and how many bytes are
 * promised to claims that have a node but no volume yet.
 *
 * @module
 */

import { claimAnnotation, claimClassName, type ClaimObject } from "./claim.ts";
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  LABEL_HOSTNAME,
} from "./names.ts";
import type { NodeInfo } from "./node_choice.ts";
import { parseQuantityBytes } from "./quantity.ts";
import { MIN_VOLUME_BYTES } from "./size.ts";

/** A PV as the chooser reads it. */
export interface PvLike {
  metadata: {
    name: string;
    annotations?: Record<string, string> | null;
    deletionTimestamp?: string | null;
  };
  spec: { nodeAffinity?: unknown; persistentVolumeReclaimPolicy?: string; [k: string]: unknown };
}

/** The StorageClass fields the chooser reads. */
export interface ClassLike {
  name: string;
  provisioner: string;
  volumeBindingMode?: string | null;
}

/**
 * The values of a PV's required `kubernetes.io/hostname` node affinity.
 *
 * @example
 * ```ts
 * import { pinnedHostnames } from "./node_usage.ts";
 * const pv = { spec: { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [
 *   { key: "kubernetes.io/hostname", operator: "In", values: ["n1"] },
 * ] }] } } } };
 * if (pinnedHostnames(pv).join() !== "n1") throw new Error();
 * ```
 */
export function pinnedHostnames(pv: { spec: { [key: string]: unknown } }): string[] {
  const affinity = pv.spec.nodeAffinity as
    | {
      required?: {
        nodeSelectorTerms?: { matchExpressions?: { key?: string; values?: string[] }[] }[];
      };
    }
    | undefined;
  return (affinity?.required?.nodeSelectorTerms ?? [])
    .flatMap((t) => t.matchExpressions ?? [])
    .filter((e) => e.key === LABEL_HOSTNAME)
    .flatMap((e) => e.values ?? []);
}

/** The node a hostname value names: by name or by `kubernetes.io/hostname` label. */
export function nodeForHostname(nodes: readonly NodeInfo[], hostname: string): string | undefined {
  return (nodes.find((n) => n.name === hostname) ??
    nodes.find((n) => n.labels[LABEL_HOSTNAME] === hostname))?.name;
}

/** What the chooser does with a claim. */
export type ChooserDecision =
  | { action: "choose"; requestBytes: number }
  | { action: "reject"; message: string }
  | { action: "ignore"; message: string };

/**
 * Whether a claim waits for the chooser: its class is ours and `Immediate`, the PV binder has
 * handed it to us, and it has no node, no volume and no deletion in progress.
 *
 * @example
 * ```ts
 * import { chooserDecision } from "./node_usage.ts";
 * const claim = {
 *   metadata: { annotations: { "volume.kubernetes.io/storage-provisioner": "local-lvm.io" } },
 *   spec: { storageClassName: "fast", resources: { requests: { storage: "1Gi" } } },
 * };
 * const d = chooserDecision(claim, { name: "fast", provisioner: "local-lvm.io" }, ["local-lvm.io"]);
 * if (d.action !== "choose" || d.requestBytes !== 1024 ** 3) throw new Error(JSON.stringify(d));
 * ```
 */
export function chooserDecision(
  claim: ClaimObject,
  sc: ClassLike | undefined,
  provisioners: readonly string[],
  hasVolume = false,
): ChooserDecision {
  const ignore = (message: string): ChooserDecision => ({ action: "ignore", message });
  if (claim.metadata?.deletionTimestamp) return ignore("being deleted");
  if (claim.spec?.volumeName) return ignore("bound");
  if (!sc || sc.name !== claimClassName(claim)) return ignore("no storage class of ours");
  if (!provisioners.includes(sc.provisioner)) return ignore("not our provisioner");
  if ((sc.volumeBindingMode ?? "Immediate") !== "Immediate") return ignore("not Immediate");
  const trigger = claimAnnotation(claim, ANN_STORAGE_PROVISIONER) ??
    claimAnnotation(claim, ANN_BETA_STORAGE_PROVISIONER);
  if (!trigger || !provisioners.includes(trigger)) return ignore("not handed to us yet");
  if (claimAnnotation(claim, ANN_SELECTED_NODE)) return ignore("has a node");
  if (hasVolume) return ignore("has a volume");
  const request = parseQuantityBytes(claim.spec?.resources?.requests?.storage);
  if (!request.ok) return { action: "reject", message: request.error };
  return { action: "choose", requestBytes: Math.max(request.bytes, MIN_VOLUME_BYTES) };
}

/** Per node: our volumes (made or promised) and the bytes promised but not made. */
export interface ClusterUsage {
  volumes: Map<string, number>;
  promised: Map<string, number>;
}

/**
 * Counts our volumes per node (PVs by their node affinity) and adds the claims of our classes
 * that have a node but no PV yet (by `pvc-<uid>`), whose size is promised but not yet visible
 * in the published capacity.
 *
 * @example
 * ```ts
 * import { clusterUsage } from "./node_usage.ts";
 * const usage = clusterUsage({
 *   nodes: [{ name: "n1", labels: {} }],
 *   pvs: [],
 *   claims: [{
 *     metadata: { uid: "u1", annotations: { "volume.kubernetes.io/selected-node": "n1" } },
 *     spec: { storageClassName: "fast", resources: { requests: { storage: "8Mi" } } },
 *   }],
 *   ourClasses: new Set(["fast"]),
 *   provisioners: ["local-lvm.io"],
 * });
 * if (usage.promised.get("n1") !== 8 * 1024 * 1024 || usage.volumes.get("n1") !== 1) {
 *   throw new Error();
 * }
 * ```
 */
export function clusterUsage(input: {
  nodes: readonly NodeInfo[];
  pvs: readonly PvLike[];
  claims: readonly ClaimObject[];
  ourClasses: ReadonlySet<string>;
  provisioners: readonly string[];
}): ClusterUsage {
  const volumes = new Map<string, number>();
  const promised = new Map<string, number>();
  const add = (map: Map<string, number>, node: string, n: number) =>
    map.set(node, (map.get(node) ?? 0) + n);
  const pvNames = new Set<string>();
  for (const pv of input.pvs) {
    pvNames.add(pv.metadata.name);
    const by = pv.metadata.annotations?.[ANN_PROVISIONED_BY];
    if (!by || !input.provisioners.includes(by) || pv.metadata.deletionTimestamp) continue;
    const [hostname] = pinnedHostnames(pv);
    const node = hostname === undefined ? undefined : nodeForHostname(input.nodes, hostname);
    if (node) add(volumes, node, 1);
  }
  for (const claim of input.claims) {
    const node = claimAnnotation(claim, ANN_SELECTED_NODE);
    const className = claimClassName(claim);
    if (!node || !className || !input.ourClasses.has(className)) continue;
    if (claim.spec?.volumeName || claim.metadata?.deletionTimestamp) continue;
    if (pvNames.has(`pvc-${claim.metadata?.uid}`)) continue;
    const request = parseQuantityBytes(claim.spec?.resources?.requests?.storage);
    if (!request.ok) continue;
    add(volumes, node, 1);
    add(promised, node, Math.max(request.bytes, MIN_VOLUME_BYTES));
  }
  return { volumes, promised };
}
