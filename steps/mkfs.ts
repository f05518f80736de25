/**
 * Step 3: make the filesystem, with its UUID set to the claim's uid so we can always
 * tell our filesystem from someone else's. A device that already holds any other
 * filesystem is never formatted.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ProvisionDeps } from "../src/provision/deps.ts";
import { runChecked } from "../src/host/executor.ts";
import { probeFilesystem } from "../src/provision/node_queries.ts";
import type { VolumeSpec } from "../src/volume.ts";

/** The device node of a volume. */
export function devicePath(v: Pick<VolumeSpec, "vg" | "pvName">): string {
  return `/dev/${v.vg}/${v.pvName}`;
}

/** The exact mkfs argv for a volume. */
export function mkfsArgv(v: VolumeSpec): string[] {
  return v.fsType === "xfs"
    ? ["mkfs.xfs", "-q", "-m", `uuid=${v.claim.uid}`, devicePath(v)]
    : ["mkfs.ext4", "-q", "-m", "0", "-U", v.claim.uid, devicePath(v)];
}

export const mkfs: Step<VolumeSpec, ProvisionDeps> = {
  name: "mkfs",
  describe: (v) => `Make an ${v.fsType} filesystem with UUID ${v.claim.uid} on ${devicePath(v)}`,
  describeUndo: () => "Nothing: the filesystem goes with the logical volume",

  async do(v, { exec }) {
    const fs = await probeFilesystem(exec, devicePath(v));
    if (!fs) {
      await runChecked(exec, mkfsArgv(v));
      return;
    }
    if (fs.type === v.fsType && fs.uuid === v.claim.uid) return;
    throw new Error(
      `Refusing to format ${devicePath(v)}: it already holds a ${fs.type} filesystem ` +
        `(UUID ${
          fs.uuid ?? "none"
        }) that was not made for claim ${v.claim.namespace}/${v.claim.name}`,
    );
  },

  undo: () => Promise.resolve(),
};
