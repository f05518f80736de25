/**
 * Clone step 2: mount the source's snapshot read-only and copy its files into the new
 * filesystem (made by `mkfs` with the clone's own UUID and size, mounted by `mount`), then
 * unmount it. A file-level copy rather than a block copy: the clone keeps the invariant
 * "filesystem UUID = claim uid", needs no UUID rewrite or fsck on either ext4 or xfs, may
 * be larger than its source with no resize, and may even differ in filesystem type. `cp -a`
 * keeps modes, owners, times, hard links, sparse files and extended attributes. Copying
 * again after a crash gives the same result: the snapshot does not change.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ProvisionDeps } from "../src/provision/deps.ts";
import { runChecked } from "../src/host/executor.ts";
import { findSnapshotLv, mountSnapshot, unmountSnapshot } from "../src/provision/snapshots.ts";
import { findMount } from "../src/provision/node_queries.ts";
import { formatBytes } from "../src/decide/quantity.ts";
import type { VolumeSpec } from "../src/volume.ts";

/** The exact copy argv: the snapshot's whole tree into the clone's mounted filesystem. */
export function copyArgv(v: VolumeSpec): string[] {
  return ["cp", "-a", "-T", v.cloneFrom!.snapshotMountPoint, v.mountPoint];
}

export const copyFromSnapshot: Step<VolumeSpec, ProvisionDeps> = {
  name: "copy-from-snapshot",
  applies: (v) => v.cloneFrom !== undefined,
  describe: (v) =>
    `Mount snapshot ${v.cloneFrom!.vg}/${v.cloneFrom!.snapshot} read-only at ` +
    `${v.cloneFrom!.snapshotMountPoint}, copy its files into ${v.mountPoint}, unmount it`,
  describeUndo: (v) =>
    `Unmount ${
      v.cloneFrom!.snapshotMountPoint
    } if mounted (the copied files go with the new volume)`,

  async do(v, { exec }) {
    const source = v.cloneFrom!;
    const lv = { vg: source.vg, name: source.snapshot };
    await mountSnapshot(exec, lv, source.fsType, source.snapshotMountPoint);
    await runChecked(exec, copyArgv(v));
    // A snapshot whose COW space overflowed is unreadable, and dmeventd unmounts it: a copy
    // that "succeeded" may then have read an empty folder. Only a snapshot still valid and
    // mounted after the copy proves the copy complete.
    const snap = (await findSnapshotLv(exec, source.snapshot)).find((l) => l.vg === source.vg);
    const mounted = await findMount(exec, source.snapshotMountPoint);
    if (!snap || snap.invalid || !mounted) {
      throw new Error(
        `Snapshot ${source.vg}/${source.snapshot} of claim ${source.claim.namespace}/` +
          `${source.claim.name} overflowed its ${formatBytes(source.cowBytes)} of ` +
          "copy-on-write space during the copy (the source changed too much meanwhile), so " +
          "the copy is incomplete; the clone is rolled back and retried",
      );
    }
    await unmountSnapshot(exec, lv, source.snapshotMountPoint);
  },

  async undo(v, { exec }) {
    const source = v.cloneFrom!;
    await unmountSnapshot(
      exec,
      { vg: source.vg, name: source.snapshot },
      source.snapshotMountPoint,
    );
  },
};
