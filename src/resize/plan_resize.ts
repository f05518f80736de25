/**
 * Turns "this claim wants more" into a {@link ResizeSpec}, from what the node says: the LV
 * (its VG and size), the VG's extent size (for the same rounding as provisioning), the
 * filesystem `blkid` finds, and the mount point the LV's tags give.
 *
 * @module
 */

import { roundToExtents } from "../decide/size.ts";
import type { ResizeNeed } from "../decide/resize_need.ts";
import type { Executor } from "../host/executor.ts";
import type { PersistentVolumeObject } from "../kube/volume_api.ts";
import { specFromExisting } from "../provision/existing_volume.ts";
import {
  findLogicalVolumes,
  listVolumeGroups,
  probeFilesystem,
} from "../provision/node_queries.ts";
import type { ClaimIdentity } from "../volume.ts";
import type { ResizeSpec } from "./spec.ts";

/** The spec, or why this volume cannot be grown here. */
export type ResizePlan = { ok: true; spec: ResizeSpec } | { ok: false; error: string };

/** What planning an expansion needs. */
export interface ResizeInputs {
  need: ResizeNeed;
  claim: ClaimIdentity;
  pv: PersistentVolumeObject;
  node: string;
  provisioner: string;
}

/** Plans the expansion of `pv` on this node. */
export async function planResize(exec: Executor, i: ResizeInputs): Promise<ResizePlan> {
  const name = i.pv.metadata.name;
  const [lv] = await findLogicalVolumes(exec, name);
  if (!lv) return { ok: false, error: `Logical volume ${name} is not on node ${i.node}` };
  const existing = specFromExisting({ lv, pv: i.pv, node: i.node, provisioner: i.provisioner });
  if (!existing.ok) return existing;
  const [vg] = await listVolumeGroups(exec, [lv.vg]);
  if (!vg) return { ok: false, error: `Volume group ${lv.vg} is not on node ${i.node}` };
  const device = `/dev/${lv.vg}/${lv.name}`;
  const fs = await probeFilesystem(exec, device);
  if (fs?.type !== "ext4" && fs?.type !== "xfs") {
    return {
      ok: false,
      error: `${device} holds ${fs ? `a ${fs.type}` : "no"} filesystem; only ext4 and xfs grow`,
    };
  }
  return {
    ok: true,
    spec: {
      pvName: name,
      claim: i.claim,
      node: i.node,
      vg: lv.vg,
      fsType: fs.type,
      mountPoint: existing.spec.mountPoint,
      request: i.need.request,
      requestBytes: i.need.requestBytes,
      fromBytes: lv.sizeBytes,
      sizeBytes: Math.max(roundToExtents(i.need.requestBytes, vg.extentBytes), lv.sizeBytes),
    },
  };
}
