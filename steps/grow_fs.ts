/**
 * Resize step 3: grow the mounted filesystem into the grown LV, online (`resize2fs DEVICE`
 * for ext4, `xfs_growfs MOUNTPOINT` for xfs). Both fill the device and are no-ops on a
 * filesystem that already fills it, so a retry after a crash is safe.
 *
 * Irreversible: neither filesystem shrinks online (xfs never shrinks), so there is no undo.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ResizeDeps } from "../src/resize/deps.ts";
import type { ResizeSpec } from "../src/resize/spec.ts";
import { runChecked } from "../src/host/executor.ts";
import { deviceMapperPath, findMount } from "../src/provision/node_queries.ts";
import { devicePath } from "./mkfs.ts";

/** The exact argv that grows a volume's filesystem while it is mounted. */
export function growFsArgv(r: Pick<ResizeSpec, "fsType" | "vg" | "pvName" | "mountPoint">) {
  return r.fsType === "xfs" ? ["xfs_growfs", r.mountPoint] : ["resize2fs", devicePath(r)];
}

export const growFs: Step<ResizeSpec, ResizeDeps> = {
  name: "grow-fs",
  describe: (r) =>
    `Grow the ${r.fsType} filesystem mounted at ${r.mountPoint} to fill ${devicePath(r)}, online`,
  describeUndo: () => "Nothing: a filesystem is not shrunk",

  async do(r, { exec }) {
    const mounted = await findMount(exec, r.mountPoint);
    const ours = mounted &&
      (mounted.source === devicePath(r) || mounted.source === deviceMapperPath(r.vg, r.pvName));
    if (!ours) {
      throw new Error(
        `${devicePath(r)} is not mounted at ${r.mountPoint} on node ${r.node}` +
          (mounted ? ` (${mounted.source} is)` : "") + `, so it cannot be grown online`,
      );
    }
    await runChecked(exec, growFsArgv(r));
  },

  undo: () => Promise.resolve(),
};
