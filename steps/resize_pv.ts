/**
 * Resize step 4: the PV's `spec.capacity.storage` becomes the LV's real size, read from
 * lvm2, so the PV never promises more than the node has. Capacity only ever grows here.
 *
 * No undo: the PV describes the LV, and the LV stays grown.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ResizeDeps } from "../src/resize/deps.ts";
import type { ResizeSpec } from "../src/resize/spec.ts";
import { exactQuantity, parseQuantityBytes } from "../src/decide/quantity.ts";
import { findLogicalVolumes } from "../src/provision/node_queries.ts";
import type { Executor } from "../src/host/executor.ts";

/** The LV's size now, in bytes. */
export async function currentLvBytes(exec: Executor, r: ResizeSpec): Promise<number> {
  const lv = (await findLogicalVolumes(exec, r.pvName)).find((l) => l.vg === r.vg);
  if (!lv) throw new Error(`Logical volume ${r.vg}/${r.pvName} is not on node ${r.node}`);
  return lv.sizeBytes;
}

export const resizePv: Step<ResizeSpec, ResizeDeps> = {
  name: "resize-pv",
  describe: (r) =>
    `Set PersistentVolume ${r.pvName}'s capacity to the logical volume's real size ` +
    `(${exactQuantity(r.sizeBytes)})`,
  describeUndo: () => "Nothing: the PV keeps describing the grown volume",

  async do(r, { exec, kube }) {
    const bytes = await currentLvBytes(exec, r);
    const pv = await kube.readPersistentVolume(r.pvName);
    if (!pv || pv.spec.claimRef?.uid !== r.claim.uid) {
      throw new Error(
        `PersistentVolume ${r.pvName} of claim ${r.claim.namespace}/${r.claim.name} is gone`,
      );
    }
    const capacity = (pv.spec.capacity as { storage?: string } | undefined)?.storage;
    const now = parseQuantityBytes(capacity, "PV capacity");
    if (now.ok && now.bytes >= bytes) return;
    await kube.setCapacity(r.pvName, exactQuantity(bytes));
  },

  undo: () => Promise.resolve(),
};
