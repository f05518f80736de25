/**
 * The node's half of deciding a clone: the source's LV must be here, ours, hold an ext4 or
 * xfs filesystem and be no larger than the new volume. Adds the clone source, with its
 * snapshot's name, COW size and mount point, to the volume's spec.
 *
 * @module
 */

import type { Executor } from "../host/executor.ts";
import { formatBytes } from "../decide/quantity.ts";
import type { ResolvedSource } from "../decide/clone_source.ts";
import {
  cloneSnapshotMountPoint,
  cloneSnapshotName,
  cowBytesFor,
} from "../decide/snapshot_names.ts";
import { LV_TAG_OWNER, type VolumeSpec } from "../volume.ts";
import { findLogicalVolumes, probeFilesystem } from "./node_queries.ts";

/** The spec with its clone source, or why this node cannot clone it. */
export type ClonePlan = { ok: true; spec: VolumeSpec } | { ok: false; reason: string };

/** Looks the source up on the node and completes the clone's spec. */
export async function planClone(
  exec: Executor,
  spec: VolumeSpec,
  source: ResolvedSource,
): Promise<ClonePlan> {
  const key = `${source.claim.namespace}/${source.claim.name}`;
  const lv = (await findLogicalVolumes(exec, source.pvName))[0];
  if (!lv || !lv.tags.includes(LV_TAG_OWNER)) {
    return {
      ok: false,
      reason: `the volume ${source.pvName} of source claim ${key} is not on node ${spec.node}`,
    };
  }
  if (lv.sizeBytes > spec.sizeBytes) {
    return {
      ok: false,
      reason: `source claim ${key} is ${formatBytes(lv.sizeBytes)}, larger than this claim's ` +
        `${formatBytes(spec.sizeBytes)}: a clone must be at least as large as its source ` +
        `(request ${lv.sizeBytes} bytes or more)`,
    };
  }
  const fs = await probeFilesystem(exec, `/dev/${lv.vg}/${lv.name}`);
  if (!fs || (fs.type !== "ext4" && fs.type !== "xfs")) {
    return {
      ok: false,
      reason: `the volume ${source.pvName} of source claim ${key} holds ` +
        `${fs ? `a ${fs.type} filesystem` : "no filesystem"}; only ext4 and xfs can be cloned`,
    };
  }
  return {
    ok: true,
    spec: {
      ...spec,
      cloneFrom: {
        claim: source.claim,
        vg: lv.vg,
        lv: lv.name,
        sizeBytes: lv.sizeBytes,
        fsType: fs.type,
        snapshot: cloneSnapshotName(spec.pvName),
        cowBytes: cowBytesFor(lv.sizeBytes),
        snapshotMountPoint: cloneSnapshotMountPoint(spec.basePath, spec.pvName),
      },
    },
  };
}
