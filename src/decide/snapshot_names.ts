/**
 * Names, tags, sizes and mount points of the LVM snapshots we take: the temporary one a
 * clone is copied from, and the ones `deno task snapshot` keeps for backups. Pure.
 *
 * Our snapshots never carry the `local-lvm-provisioner` tag, so nothing that lists volumes
 * (`lvs @local-lvm-provisioner`: the orphan report, the volume metrics, the original
 * project) mistakes one for a volume.
 *
 * @module
 */

/** The tag every snapshot we take carries. */
export const SNAPSHOT_TAG = "local-lvm-snapshot";
/** `purpose=clone` or `purpose=backup`. */
export const SNAPSHOT_PURPOSE_PREFIX = "purpose=";
/** On a clone's snapshot: the PV (and LV) name of the clone being filled from it. */
export const SNAPSHOT_CLONE_FOR_PREFIX = "clone-for=";
/** On a backup snapshot: `<namespace>/<claim>` of the volume it was taken of. */
export const SNAPSHOT_CLAIM_PREFIX = "claim=";

const MIB = 1024 ** 2;
/** The least copy-on-write space we give a snapshot (unless the origin is smaller). */
export const MIN_COW_BYTES = 16 * MIB;
/** Default copy-on-write space: this share of the origin's size. */
export const DEFAULT_COW_FRACTION = 0.1;

/** The temporary snapshot a clone is filled from. */
export function cloneSnapshotName(clonePvName: string): string {
  return `${clonePvName}-source`;
}

/** Tags of a clone's temporary snapshot. */
export function cloneSnapshotTags(clonePvName: string): string[] {
  return [
    SNAPSHOT_TAG,
    `${SNAPSHOT_PURPOSE_PREFIX}clone`,
    `${SNAPSHOT_CLONE_FOR_PREFIX}${clonePvName}`,
  ];
}

/** Tags of a backup snapshot of a claim's volume. */
export function backupSnapshotTags(claim: { namespace: string; name: string }): string[] {
  return [
    SNAPSHOT_TAG,
    `${SNAPSHOT_PURPOSE_PREFIX}backup`,
    `${SNAPSHOT_CLAIM_PREFIX}${claim.namespace}/${claim.name}`,
  ];
}

/**
 * A timestamp fit for an LV name and a path: `20261125T120000Z`.
 *
 * @example
 * ```ts
 * import { snapshotStamp } from "./snapshot_names.ts";
 * if (snapshotStamp(new Date("2026-11-25T12:00:00.123Z")) !== "20261125T120000Z") throw new Error();
 * ```
 */
export function snapshotStamp(at: Date): string {
  return at.toISOString().replace(/\.\d+Z$/, "Z").replaceAll(/[-:]/g, "");
}

/** A backup snapshot's LV name: its origin's name and the time it was taken. */
export function backupSnapshotName(originLv: string, stamp: string): string {
  return `${originLv}-snap-${stamp}`;
}

/** The stamp inside a backup snapshot's LV name, or undefined for another LV. */
export function stampOfBackupName(lvName: string): string | undefined {
  return /-snap-(\d{8}T\d{6}Z)$/.exec(lvName)?.[1];
}

/** Where snapshots are mounted: a folder beside the volumes, outside their `pvc-*` names. */
export function snapshotsDir(basePath: string): string {
  return `${basePath === "/" ? "" : basePath}/snapshots`;
}

/** Where a backup snapshot of a claim is mounted read-only for a backup tool. */
export function backupMountPoint(
  basePath: string,
  claim: { namespace: string; name: string },
  stamp: string,
): string {
  return `${snapshotsDir(basePath)}/${claim.namespace}-${claim.name}-${stamp}`;
}

/** Where a clone's temporary snapshot is mounted while its files are copied. */
export function cloneSnapshotMountPoint(basePath: string, clonePvName: string): string {
  return `${snapshotsDir(basePath)}/${cloneSnapshotName(clonePvName)}`;
}

/**
 * Copy-on-write space for a snapshot of an origin of `originBytes`: `fraction` of it, at
 * least {@link MIN_COW_BYTES}, never more than the origin (a full-size COW area cannot
 * overflow), in whole 512-byte sectors as lvm wants.
 *
 * @example
 * ```ts
 * import { cowBytesFor } from "./snapshot_names.ts";
 * if (cowBytesFor(1024 ** 3) !== 107374592) throw new Error(String(cowBytesFor(1024 ** 3)));
 * if (cowBytesFor(8 * 1024 ** 2) !== 8 * 1024 ** 2) throw new Error("capped at the origin");
 * ```
 */
export function cowBytesFor(originBytes: number, fraction = DEFAULT_COW_FRACTION): number {
  const wanted = Math.max(Math.ceil((originBytes * fraction) / 512) * 512, MIN_COW_BYTES);
  return Math.min(wanted, originBytes);
}
