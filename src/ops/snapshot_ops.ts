/**
 * Backup snapshots of a claim's volume on this node: take one and mount it read-only for a
 * backup tool, list them with how full their copy-on-write area is, release them. The
 * claim's LV is found by the tags every volume of ours carries (`pvname=<namespace>-<claim>`),
 * so no API server is needed: backups keep working when the control plane does not.
 *
 * @module
 */

import { type Executor, runChecked } from "../host/executor.ts";
import { parseLvsReport } from "../host/lvm_report.ts";
import { formatBytes } from "../decide/quantity.ts";
import {
  backupMountPoint,
  backupSnapshotName,
  backupSnapshotTags,
  cowBytesFor,
  SNAPSHOT_CLAIM_PREFIX,
  SNAPSHOT_PURPOSE_PREFIX,
  SNAPSHOT_TAG,
  snapshotStamp,
  stampOfBackupName,
} from "../decide/snapshot_names.ts";
import { findMount, lvsArgv, probeFilesystem } from "../provision/node_queries.ts";
import {
  listOurSnapshots,
  mountSnapshot,
  removeSnapshot,
  snapshotCreateArgv,
  type SnapshotLvRow,
  unmountSnapshot,
} from "../provision/snapshots.ts";
import { type FsType, LV_TAG_MOUNT_PREFIX, LV_TAG_OWNER, LV_TAG_PVNAME_PREFIX } from "../volume.ts";

/** `<namespace>/<claim>`. */
export interface ClaimRef {
  namespace: string;
  name: string;
}

/** One backup or clone snapshot on the node, as `--list` shows it. */
export interface SnapshotInfo {
  vg: string;
  name: string;
  origin: string;
  /** `backup` or `clone` (a clone's snapshot exists only while a clone is being filled). */
  purpose: string;
  /** `<namespace>/<claim>` of a backup snapshot. */
  claim?: string;
  cowBytes: number;
  /** How full the COW area is, in percent. */
  usedPercent?: number;
  /** `valid`, or `INVALID` once the COW area overflowed (its data is lost). */
  state: "valid" | "INVALID";
  mountPoint?: string;
}

/** A claim's volume on this node. */
export interface ClaimVolume {
  vg: string;
  lv: string;
  sizeBytes: number;
  basePath: string;
  fsType: FsType;
}

/** Parses `<namespace>/<claim>`. */
export function parseClaimRef(text: string): ClaimRef | undefined {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(text);
  return m ? { namespace: m[1], name: m[3] } : undefined;
}

function tagValue(tags: readonly string[], prefix: string): string | undefined {
  return tags.find((t) => t.startsWith(prefix))?.slice(prefix.length);
}

/** Finds the claim's volume among the LVs of ours on the node. */
export async function findClaimVolume(exec: Executor, claim: ClaimRef): Promise<ClaimVolume> {
  const tag = `${LV_TAG_PVNAME_PREFIX}${claim.namespace}-${claim.name}`;
  const lvs = parseLvsReport((await runChecked(exec, lvsArgv([`@${LV_TAG_OWNER}`]))).stdout)
    .filter((l) => l.tags.includes(tag));
  const key = `${claim.namespace}/${claim.name}`;
  if (lvs.length === 0) {
    throw new Error(
      `no volume of claim ${key} on this node (no LV tagged ${LV_TAG_OWNER} and ${tag})`,
    );
  }
  if (lvs.length > 1) {
    throw new Error(
      `${lvs.length} volumes are tagged ${tag} (${
        lvs.map((l) => `${l.vg}/${l.name}`).join(", ")
      }): name the claim unambiguously`,
    );
  }
  const lv = lvs[0];
  const fs = await probeFilesystem(exec, `/dev/${lv.vg}/${lv.name}`);
  if (!fs || (fs.type !== "ext4" && fs.type !== "xfs")) {
    throw new Error(`${lv.vg}/${lv.name} holds ${fs ? fs.type : "no filesystem"}, not ext4 or xfs`);
  }
  return {
    vg: lv.vg,
    lv: lv.name,
    sizeBytes: lv.sizeBytes,
    basePath: tagValue(lv.tags, LV_TAG_MOUNT_PREFIX) ?? "/",
    fsType: fs.type,
  };
}

/**
 * The COW size asked for: bytes, a quantity (`512Mi`) or a share of the origin (`20%`);
 * default 10% of the origin, at least 16 MiB, at most the origin.
 */
export function cowSizeFrom(text: string | undefined, originBytes: number): number {
  if (text === undefined) return cowBytesFor(originBytes);
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (percent) {
    const share = Number(percent[1]) / 100;
    if (share <= 0 || share > 1) {
      throw new Error(`--cow-size ${text}: a share must be in (0%, 100%]`);
    }
    return Math.max(512, Math.ceil((originBytes * share) / 512) * 512);
  }
  const m = /^(\d+)(Ki|Mi|Gi|Ti)?$/.exec(text);
  if (!m) {
    throw new Error(`--cow-size ${text}: give bytes, a quantity like 512Mi, or a share like 20%`);
  }
  const unit = { "": 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 }[m[2] ?? ""]!;
  const bytes = Number(m[1]) * unit;
  if (bytes < 512) throw new Error(`--cow-size ${text} is too small`);
  return Math.ceil(bytes / 512) * 512;
}

/** What `take` did. */
export interface TakenSnapshot {
  vg: string;
  name: string;
  origin: string;
  cowBytes: number;
  mountPoint: string;
}

/**
 * Takes a snapshot of the claim's volume and mounts it read-only. If the mount fails the
 * snapshot is removed again: nothing is left half-made.
 */
export async function takeSnapshot(
  exec: Executor,
  claim: ClaimRef,
  options: { cowSize?: string; now?: Date } = {},
): Promise<TakenSnapshot> {
  const volume = await findClaimVolume(exec, claim);
  const stamp = snapshotStamp(options.now ?? new Date());
  const name = backupSnapshotName(volume.lv, stamp);
  const cowBytes = cowSizeFrom(options.cowSize, volume.sizeBytes);
  await runChecked(
    exec,
    snapshotCreateArgv(volume.vg, volume.lv, name, cowBytes, backupSnapshotTags(claim)),
  );
  const mountPoint = backupMountPoint(volume.basePath, claim, stamp);
  try {
    await mountSnapshot(exec, { vg: volume.vg, name }, volume.fsType, mountPoint);
  } catch (error) {
    await unmountSnapshot(exec, { vg: volume.vg, name }, mountPoint).catch(() => {});
    await removeSnapshot(exec, { vg: volume.vg, name }, SNAPSHOT_TAG).catch(() => {});
    throw error;
  }
  return { vg: volume.vg, name, origin: volume.lv, cowBytes, mountPoint };
}

/** Where a backup snapshot is mounted: beside its origin's volumes, by claim and time. */
async function mountPointOf(exec: Executor, snap: SnapshotLvRow): Promise<string | undefined> {
  const claimText = tagValue(snap.tags, SNAPSHOT_CLAIM_PREFIX);
  const stamp = stampOfBackupName(snap.name);
  const claim = claimText ? parseClaimRef(claimText) : undefined;
  if (!claim || !stamp) return undefined;
  const origin = parseLvsReport(
    (await runChecked(exec, lvsArgv(["--select", `lv_name=${snap.origin}`]))).stdout,
  ).find((l) => l.vg === snap.vg);
  const base = origin ? tagValue(origin.tags, LV_TAG_MOUNT_PREFIX) : undefined;
  return base ? backupMountPoint(base, claim, stamp) : undefined;
}

/** Every snapshot of ours on the node, with its usage, state and mount point. */
export async function listSnapshots(exec: Executor): Promise<SnapshotInfo[]> {
  const out: SnapshotInfo[] = [];
  for (const snap of await listOurSnapshots(exec)) {
    const expected = await mountPointOf(exec, snap);
    const mounted = expected ? await findMount(exec, expected) : undefined;
    out.push({
      vg: snap.vg,
      name: snap.name,
      origin: snap.origin,
      purpose: tagValue(snap.tags, SNAPSHOT_PURPOSE_PREFIX) ?? "unknown",
      claim: tagValue(snap.tags, SNAPSHOT_CLAIM_PREFIX),
      cowBytes: snap.sizeBytes,
      usedPercent: snap.dataPercent,
      state: snap.invalid ? "INVALID" : "valid",
      mountPoint: mounted ? expected : undefined,
    });
  }
  return out;
}

/**
 * Releases backup snapshots: the one named `vg/lv` or `lv`, or every one of a claim
 * (`<namespace>/<claim>`). Each is unmounted and removed. Returns what was released.
 */
export async function releaseSnapshots(exec: Executor, target: string): Promise<SnapshotInfo[]> {
  const all = (await listSnapshots(exec)).filter((s) => s.purpose === "backup");
  const byName = all.filter((s) => `${s.vg}/${s.name}` === target || s.name === target);
  const chosen = byName.length > 0 ? byName : all.filter((s) => s.claim === target);
  if (chosen.length === 0) throw new Error(`no backup snapshot ${target} on this node`);
  for (const s of chosen) {
    const lv = { vg: s.vg, name: s.name };
    const snap = (await listOurSnapshots(exec)).find((r) => r.vg === s.vg && r.name === s.name)!;
    const mountPoint = await mountPointOf(exec, snap);
    if (mountPoint) await unmountSnapshot(exec, lv, mountPoint);
    await removeSnapshot(exec, lv, SNAPSHOT_TAG);
  }
  return chosen;
}

/** The `--list` table's cells for one snapshot. */
export function snapshotRow(s: SnapshotInfo): string[] {
  return [
    `${s.vg}/${s.name}`,
    s.purpose === "backup" ? s.claim ?? "?" : `(clone in progress)`,
    formatBytes(s.cowBytes),
    s.usedPercent === undefined ? "-" : `${s.usedPercent.toFixed(2)}%`,
    s.state,
    s.mountPoint ?? "(not mounted)",
  ];
}
