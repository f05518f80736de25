/**
 * Step 1: hold the volume's size in its volume group, so claims provisioned at the same
 * time cannot be promised the same free extents. Checked against the VG's real free
 * space minus what other in-flight claims hold.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ProvisionDeps } from "../src/provision/deps.ts";
import { findLogicalVolumes, listVolumeGroups } from "../src/provision/node_queries.ts";
import { formatBytes } from "../src/decide/quantity.ts";
import type { VolumeSpec } from "../src/volume.ts";

export const reserveVg: Step<VolumeSpec, ProvisionDeps> = {
  name: "reserve-vg",
  describe: (v) => `Hold ${formatBytes(v.sizeBytes)} in volume group ${v.vg} for ${v.pvName}`,
  describeUndo: (v) => `Release the hold on ${v.vg} for ${v.pvName}`,

  async do(v, { exec, reservations }) {
    const [vg] = await listVolumeGroups(exec, [v.vg]);
    const held = reservations.heldIn(v.vg, v.pvName);
    if (vg.freeBytes - held < v.sizeBytes) {
      // After a crash the LV may already exist: its extents are taken, nothing to hold.
      // Asked only here: when the size fits, a hold for an existing LV is harmless (the
      // lvcreate step finds the LV and releases it), and one lvs fewer saves ~0.2 s.
      if ((await findLogicalVolumes(exec, v.pvName)).length > 0) return;
      throw new Error(
        `Volume group ${v.vg} on node ${v.node} cannot hold ${formatBytes(v.sizeBytes)} for ` +
          `${v.pvName}: ${formatBytes(vg.freeBytes)} free, ${
            formatBytes(held)
          } held by other claims`,
      );
    }
    reservations.hold({ pvName: v.pvName, vg: v.vg, bytes: v.sizeBytes });
  },

  undo(v, { reservations }) {
    reservations.release(v.pvName);
    return Promise.resolve();
  },
};
