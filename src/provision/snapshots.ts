/**
 * Taking, mounting, unmounting and removing LVM snapshots on a node: the commands the
 * clone steps and `deno task snapshot` share. Every function recognises work already done,
 * so a step built on them can run again after a crash.
 *
 * @module
 */

import { CommandError, type Executor, runChecked } from "../host/executor.ts";
import {
  parseSnapshotLvsReport,
  SNAPSHOT_LVS_FIELDS,
  type SnapshotLvRow,
} from "../host/lvm_report.ts";
import type { FsType } from "../volume.ts";
import { SNAPSHOT_TAG } from "../decide/snapshot_names.ts";
import { deviceMapperPath, findMount } from "./node_queries.ts";

export type { SnapshotLvRow };

const LVM_JSON = ["--reportformat", "json", "--units", "b", "--nosuffix"];

/** The `lvs` argv for snapshot rows of a selection (`["--select", "lv_name=x"]`, `["@tag"]`). */
export function snapshotLvsArgv(selection: readonly string[]): string[] {
  return ["lvs", ...LVM_JSON, "-o", SNAPSHOT_LVS_FIELDS.join(","), ...selection];
}

/** The LVs of that name, with their snapshot fields. */
export async function findSnapshotLv(exec: Executor, name: string): Promise<SnapshotLvRow[]> {
  const argv = snapshotLvsArgv(["--select", `lv_name=${name}`]);
  return parseSnapshotLvsReport((await runChecked(exec, argv)).stdout);
}

/** Every snapshot we took on the node (tagged {@link SNAPSHOT_TAG}). */
export async function listOurSnapshots(exec: Executor): Promise<SnapshotLvRow[]> {
  const argv = snapshotLvsArgv([`@${SNAPSHOT_TAG}`]);
  return parseSnapshotLvsReport((await runChecked(exec, argv)).stdout);
}

/** The exact `lvcreate --snapshot` argv. */
export function snapshotCreateArgv(
  vg: string,
  origin: string,
  name: string,
  cowBytes: number,
  tags: readonly string[],
): string[] {
  return [
    "lvcreate",
    "--yes",
    "--snapshot",
    "--name",
    name,
    "--size",
    `${cowBytes}b`,
    ...tags.flatMap((t) => ["--addtag", t]),
    `${vg}/${origin}`,
  ];
}

/**
 * Read-only mount options for a snapshot. ext4: `noload`, no journal replay (a snapshot
 * of a frozen filesystem needs none, and a read-only device could not take one). xfs: also
 * `nouuid`, since the origin with the same UUID is mounted, and `norecovery`.
 */
export function snapshotMountOptions(fsType: FsType): string {
  return fsType === "xfs" ? "ro,nouuid,norecovery" : "ro,noload";
}

/** The exact `mount` argv for a snapshot. */
export function snapshotMountArgv(fsType: FsType, device: string, target: string): string[] {
  return ["mount", "-t", fsType, "-o", snapshotMountOptions(fsType), device, target];
}

/** Mounts a snapshot read-only at `target` (creating it), unless it already is. */
export async function mountSnapshot(
  exec: Executor,
  lv: { vg: string; name: string },
  fsType: FsType,
  target: string,
): Promise<void> {
  await runChecked(exec, ["mkdir", "-p", target]);
  const mounted = await findMount(exec, target);
  const device = `/dev/${lv.vg}/${lv.name}`;
  if (!mounted) {
    await runChecked(exec, snapshotMountArgv(fsType, device, target));
    return;
  }
  if (mounted.source !== device && mounted.source !== deviceMapperPath(lv.vg, lv.name)) {
    throw new Error(`${target} already has ${mounted.source} mounted on it, not ${device}`);
  }
}

/** Unmounts a snapshot from `target` if it is mounted there, and removes the empty folder. */
export async function unmountSnapshot(
  exec: Executor,
  lv: { vg: string; name: string },
  target: string,
): Promise<void> {
  const mounted = await findMount(exec, target);
  const device = `/dev/${lv.vg}/${lv.name}`;
  if (
    mounted && (mounted.source === device || mounted.source === deviceMapperPath(lv.vg, lv.name))
  ) {
    await runChecked(exec, ["umount", target]);
  }
  const argv = ["rmdir", target];
  const result = await exec.run(argv);
  if (result.code === 0 || /No such file or directory/.test(result.stderr)) return;
  throw new CommandError(argv, result.code, result.stderr, result.stdout);
}

/**
 * Removes a snapshot LV if it exists and carries `tag`; one without it is not ours and is
 * refused.
 */
export async function removeSnapshot(
  exec: Executor,
  lv: { vg: string; name: string },
  tag: string,
): Promise<void> {
  const found = (await findSnapshotLv(exec, lv.name)).find((l) => l.vg === lv.vg);
  if (!found) return;
  if (!found.tags.includes(tag) || found.origin === "") {
    throw new Error(
      `Logical volume ${lv.vg}/${lv.name} is not a snapshot tagged ${tag}; not removing it`,
    );
  }
  await runChecked(exec, ["lvremove", "--yes", `${lv.vg}/${lv.name}`]);
}
