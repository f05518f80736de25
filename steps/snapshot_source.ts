/**
 * Clone step 1: take a point-in-time LVM snapshot of the source volume, which stays
 * mounted and in use. lvm suspends the origin for the instant of the snapshot, which
 * freezes its filesystem, so the snapshot is consistent. The snapshot is tagged as a
 * clone's temporary snapshot and is never left behind: `drop-snapshot` removes it on the
 * way forward, this step's undo on the way back.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ProvisionDeps } from "../src/provision/deps.ts";
import { runChecked } from "../src/host/executor.ts";
import { formatBytes } from "../src/decide/quantity.ts";
import { cloneSnapshotTags, SNAPSHOT_CLONE_FOR_PREFIX } from "../src/decide/snapshot_names.ts";
import { findSnapshotLv, removeSnapshot, snapshotCreateArgv } from "../src/provision/snapshots.ts";
import type { CloneSource, VolumeSpec } from "../src/volume.ts";

/** The exact argv that takes a clone's snapshot. */
export function cloneSnapshotArgv(v: VolumeSpec, source: CloneSource): string[] {
  return snapshotCreateArgv(
    source.vg,
    source.lv,
    source.snapshot,
    source.cowBytes,
    cloneSnapshotTags(v.pvName),
  );
}

/** The tag that marks a snapshot as this clone's. */
export function cloneTag(v: VolumeSpec): string {
  return `${SNAPSHOT_CLONE_FOR_PREFIX}${v.pvName}`;
}

export const snapshotSource: Step<VolumeSpec, ProvisionDeps> = {
  name: "snapshot-source",
  applies: (v) => v.cloneFrom !== undefined,
  describe: (v) => {
    const s = v.cloneFrom!;
    return `Take snapshot ${s.vg}/${s.snapshot} of ${s.vg}/${s.lv} (claim ${s.claim.namespace}/` +
      `${s.claim.name}, stays online) with ${formatBytes(s.cowBytes)} copy-on-write space`;
  },
  describeUndo: (v) =>
    `Remove snapshot ${v.cloneFrom!.vg}/${v.cloneFrom!.snapshot} if it is still there`,

  async do(v, { exec }) {
    const source = v.cloneFrom!;
    const existing = (await findSnapshotLv(exec, source.snapshot)).find((l) => l.vg === source.vg);
    if (!existing) {
      await runChecked(exec, cloneSnapshotArgv(v, source));
      return;
    }
    if (existing.origin !== source.lv || !existing.tags.includes(cloneTag(v))) {
      throw new Error(
        `Logical volume ${source.vg}/${source.snapshot} already exists and is not this clone's ` +
          `snapshot of ${source.lv}; not touching it`,
      );
    }
  },

  async undo(v, { exec }) {
    const source = v.cloneFrom!;
    await removeSnapshot(exec, { vg: source.vg, name: source.snapshot }, cloneTag(v));
  },
};
