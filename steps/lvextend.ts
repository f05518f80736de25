/**
 * Resize step 2: grow the logical volume to the request rounded up to whole extents (the
 * same rounding as provisioning). lvm2 either grows the LV or changes nothing (a full
 * volume group fails before any extent moves), so a failure here leaves the LV as it was.
 *
 * Irreversible once done: the filesystem may grow into the new extents in the next step,
 * and shrinking an LV under a live filesystem destroys it. The undo leaves the extents
 * with the volume; the next expansion (or the PV, once the filesystem has grown) uses them.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ResizeDeps } from "../src/resize/deps.ts";
import type { ResizeSpec } from "../src/resize/spec.ts";
import { CommandError } from "../src/host/executor.ts";
import { findLogicalVolumes } from "../src/provision/node_queries.ts";
import { exactQuantity } from "../src/decide/quantity.ts";
import { LV_TAG_OWNER } from "../src/volume.ts";

/** The exact `lvextend` argv: an absolute size in bytes, which lvm2 rounds up to extents. */
export function lvextendArgv(r: Pick<ResizeSpec, "vg" | "pvName" | "sizeBytes">): string[] {
  return ["lvextend", "--yes", "--size", `${r.sizeBytes}b`, `${r.vg}/${r.pvName}`];
}

export const lvextend: Step<ResizeSpec, ResizeDeps> = {
  name: "lvextend",
  describe: (r) =>
    `Grow logical volume ${r.vg}/${r.pvName} from ${exactQuantity(r.fromBytes)} to ` +
    `${exactQuantity(r.sizeBytes)}`,
  describeUndo: (r) =>
    `Nothing: ${r.vg}/${r.pvName} is never shrunk under its filesystem (the extents stay with it)`,

  async do(r, { exec }) {
    const lv = (await findLogicalVolumes(exec, r.pvName)).find((l) => l.vg === r.vg);
    if (!lv || !lv.tags.includes(LV_TAG_OWNER)) {
      throw new Error(`Logical volume ${r.vg}/${r.pvName} of ours is not on node ${r.node}`);
    }
    // After a crash, or when the volume was already bigger than asked: nothing to do.
    if (lv.sizeBytes >= r.sizeBytes) return;
    const argv = lvextendArgv(r);
    const result = await exec.run(argv);
    if (result.code === 0 || /matches existing size/.test(result.stderr)) return;
    throw new CommandError(argv, result.code, result.stderr, result.stdout);
  },

  undo: () => Promise.resolve(),
};
