/**
 * What a node can promise the scheduler: the largest volume it could make right now, as
 * `CSIStorageCapacity` objects (one per StorageClass of ours). kube-scheduler's volumebinding
 * plugin compares a claim's request with `maximumVolumeSize` and rejects a node that has no
 * matching object, so the number must never be larger than what the agent would really make.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { LABEL_CAPACITY_NODE, LABEL_HOSTNAME, LABEL_MANAGED_BY, MANAGED_BY } from "./names.ts";
import { roundToExtents } from "./size.ts";
import type { Reservation, VgReport } from "./vg_choice.ts";

/** The largest volume a node can make now, and in which VG. */
export interface LargestVolume {
  /** Bytes; 0 when no configured VG can hold even the smallest volume. */
  bytes: number;
  /** The VG it would go to; undefined when `bytes` is 0. */
  vg?: string;
}

/**
 * The largest request that fits in one of the configured VGs: free space less reservations,
 * rounded down to whole extents, so that any request up to it rounds up to no more than what is
 * free. A VG that cannot hold the smallest volume we make counts as 0.
 *
 * @example
 * ```ts
 * import { largestVolume } from "./capacity.ts";
 * const MiB = 1024 * 1024;
 * const largest = largestVolume({
 *   configuredVgs: ["vg0", "vg1"],
 *   reports: [
 *     { name: "vg0", sizeBytes: 100 * MiB, freeBytes: 40 * MiB, extentBytes: 4 * MiB },
 *     { name: "vg1", sizeBytes: 100 * MiB, freeBytes: 60 * MiB, extentBytes: 4 * MiB },
 *   ],
 *   reservations: [{ vg: "vg1", bytes: 30 * MiB }],
 * });
 * // vg1: 60 - 30 = 30 MiB, rounded down to 28 MiB; vg0 has 40 MiB.
 * if (largest.bytes !== 40 * MiB || largest.vg !== "vg0") throw new Error();
 * ```
 */
export function largestVolume(input: {
  configuredVgs: readonly string[];
  reports: readonly VgReport[];
  reservations: readonly Reservation[];
}): LargestVolume {
  let best: LargestVolume = { bytes: 0 };
  for (const name of input.configuredVgs) {
    const report = input.reports.find((r) => r.name === name);
    if (!report || !(report.extentBytes > 0)) continue;
    const held = input.reservations
      .filter((r) => r.vg === name)
      .reduce((sum, r) => sum + r.bytes, 0);
    const available = Math.max(0, report.freeBytes - held);
    const whole = Math.floor(available / report.extentBytes) * report.extentBytes;
    if (whole < roundToExtents(1, report.extentBytes)) continue;
    if (whole > best.bytes) best = { bytes: whole, vg: name };
  }
  return best;
}

/** A `CSIStorageCapacity` (storage.k8s.io/v1) as plain JSON: the fields we write. */
export interface CapacityObject {
  apiVersion: "storage.k8s.io/v1";
  kind: "CSIStorageCapacity";
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    ownerReferences: OwnerReference[];
  };
  storageClassName: string;
  nodeTopology: { matchLabels: Record<string, string> };
  capacity: string;
  maximumVolumeSize: string;
}

/** An owner reference; ours point at the Node, so the garbage collector removes the objects
 * of a deleted node. No `blockOwnerDeletion`: that would need `nodes/finalizers` permission. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

/** The node the objects describe. */
export interface CapacityNode {
  name: string;
  uid: string;
  /** Its `kubernetes.io/hostname` label: what the scheduler matches `nodeTopology` against. */
  hostnameLabel: string;
}

function shortHash(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 16);
}

/**
 * The object's name: fixed for a (node, class) pair, so an agent finds and replaces its own.
 *
 * @example
 * ```ts
 * import { capacityObjectName } from "./capacity.ts";
 * const name = capacityObjectName("node-a", "local-lvm");
 * if (!/^local-lvm-[0-9a-f]{16}$/.test(name)) throw new Error(name);
 * if (name !== capacityObjectName("node-a", "local-lvm")) throw new Error();
 * if (name === capacityObjectName("node-b", "local-lvm")) throw new Error();
 * ```
 */
export function capacityObjectName(node: string, className: string): string {
  return `local-lvm-${shortHash(node, className)}`;
}

/**
 * The value of our node label: the node name when it is a valid label value, else a hash of it
 * (node names may be 253 characters, label values only 63).
 *
 * @example
 * ```ts
 * import { capacityNodeLabel } from "./capacity.ts";
 * if (capacityNodeLabel("worker-1") !== "worker-1") throw new Error();
 * if (capacityNodeLabel("a".repeat(64)).length !== 16) throw new Error();
 * ```
 */
export function capacityNodeLabel(node: string): string {
  const valid = node.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(node);
  return valid ? node : shortHash(node);
}

/** The label selector that finds one node's objects. */
export function capacitySelector(node: string): string {
  return `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_CAPACITY_NODE}=${capacityNodeLabel(node)}`;
}

/**
 * The objects a node should have: one per class, all with the same size.
 *
 * @example
 * ```ts
 * import { desiredCapacities } from "./capacity.ts";
 * const [o] = desiredCapacities({
 *   namespace: "local-lvm-storage",
 *   node: { name: "n1", uid: "u1", hostnameLabel: "n1" },
 *   classes: ["local-lvm"],
 *   bytes: 8 * 1024 * 1024,
 * });
 * if (o.maximumVolumeSize !== "8388608" || o.storageClassName !== "local-lvm") throw new Error();
 * ```
 */
export function desiredCapacities(input: {
  namespace: string;
  node: CapacityNode;
  classes: readonly string[];
  bytes: number;
}): CapacityObject[] {
  const { node } = input;
  return [...new Set(input.classes)].sort().map((className) => ({
    apiVersion: "storage.k8s.io/v1",
    kind: "CSIStorageCapacity",
    metadata: {
      name: capacityObjectName(node.name, className),
      namespace: input.namespace,
      labels: {
        [LABEL_MANAGED_BY]: MANAGED_BY,
        [LABEL_CAPACITY_NODE]: capacityNodeLabel(node.name),
      },
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: node.name, uid: node.uid }],
    },
    storageClassName: className,
    nodeTopology: { matchLabels: { [LABEL_HOSTNAME]: node.hostnameLabel } },
    capacity: String(input.bytes),
    maximumVolumeSize: String(input.bytes),
  }));
}
