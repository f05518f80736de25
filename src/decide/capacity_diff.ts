/**
 * From the CSIStorageCapacity objects a node has to the ones it should have: which to create,
 * patch, replace and delete. `storageClassName` and `nodeTopology` are immutable, so an object
 * whose topology is wrong (the node's hostname label changed) is replaced, not patched.
 *
 * @module
 */

import type { CapacityObject, OwnerReference } from "./capacity.ts";
import { parseQuantityBytes } from "./quantity.ts";

/** An object as the API server returned it (the fields we compare). */
export interface ExistingCapacity {
  metadata: { name: string; ownerReferences?: OwnerReference[] | null };
  storageClassName?: string;
  nodeTopology?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | null;
  capacity?: string;
  maximumVolumeSize?: string;
}

/** One change to make. */
export type CapacityChange =
  | { op: "create"; object: CapacityObject }
  | {
    op: "patch";
    name: string;
    patch: Pick<CapacityObject, "capacity" | "maximumVolumeSize"> & {
      metadata: { ownerReferences: OwnerReference[] };
    };
  }
  /** Delete, then create: an immutable field differs. */
  | { op: "replace"; object: CapacityObject }
  | { op: "delete"; name: string };

function sameBytes(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = parseQuantityBytes(a);
  const y = parseQuantityBytes(b);
  return x.ok && y.ok && x.bytes === y.bytes;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameTopology(existing: ExistingCapacity, want: CapacityObject): boolean {
  const topology = existing.nodeTopology;
  return !topology?.matchExpressions?.length &&
    sameJson(
      Object.entries(topology?.matchLabels ?? {}).sort(),
      Object.entries(want.nodeTopology.matchLabels).sort(),
    );
}

/**
 * The changes that turn `existing` into `desired`, deletions first.
 *
 * @example
 * ```ts
 * import { desiredCapacities } from "./capacity.ts";
 * import { capacityChanges } from "./capacity_diff.ts";
 * const want = desiredCapacities({
 *   namespace: "ns",
 *   node: { name: "n1", uid: "u1", hostnameLabel: "n1" },
 *   classes: ["a"],
 *   bytes: 1048576,
 * });
 * if (capacityChanges(want, [])[0].op !== "create") throw new Error();
 * // The server writes quantities its own way: "1Mi" is the same size.
 * const same = { ...want[0], capacity: "1Mi", maximumVolumeSize: "1Mi" };
 * if (capacityChanges(want, [same]).length !== 0) throw new Error();
 * if (capacityChanges([], [same])[0].op !== "delete") throw new Error();
 * ```
 */
export function capacityChanges(
  desired: readonly CapacityObject[],
  existing: readonly ExistingCapacity[],
): CapacityChange[] {
  const wanted = new Map(desired.map((o) => [o.metadata.name, o]));
  const deletions: CapacityChange[] = existing
    .filter((o) => !wanted.has(o.metadata.name))
    .map((o) => ({ op: "delete", name: o.metadata.name }));
  const rest: CapacityChange[] = [];
  for (const want of desired) {
    const have = existing.find((o) => o.metadata.name === want.metadata.name);
    if (!have) {
      rest.push({ op: "create", object: want });
    } else if (have.storageClassName !== want.storageClassName || !sameTopology(have, want)) {
      rest.push({ op: "replace", object: want });
    } else if (
      !sameBytes(have.capacity, want.capacity) ||
      !sameBytes(have.maximumVolumeSize, want.maximumVolumeSize) ||
      !sameJson(
        (have.metadata.ownerReferences ?? []).map(({ apiVersion, kind, name, uid }) => ({
          apiVersion,
          kind,
          name,
          uid,
        })),
        want.metadata.ownerReferences,
      )
    ) {
      rest.push({
        op: "patch",
        name: want.metadata.name,
        patch: {
          metadata: { ownerReferences: want.metadata.ownerReferences },
          capacity: want.capacity,
          maximumVolumeSize: want.maximumVolumeSize,
        },
      });
    }
  }
  return [...deletions, ...rest];
}
