/**
 * The simulated node's whole state: plain data (Maps and arrays), so `structuredClone`
 * copies it and a snapshot is a straightforward walk.
 *
 * @module
 */

/** A regular file. */
export interface FileNode {
  kind: "file";
  mode: number;
  content: string;
}

/** A directory; entry names map to nodes. */
export interface DirNode {
  kind: "dir";
  mode: number;
  entries: Map<string, FsNode>;
}

/** A symbolic link (never followed by the simulator). */
export interface SymlinkNode {
  kind: "symlink";
  target: string;
}

/** Anything in a directory. */
export type FsNode = FileNode | DirNode | SymlinkNode;

/** A filesystem made by mkfs on an LV: its signature and its own tree. */
export interface Filesystem {
  type: string;
  uuid: string;
  /** The filesystem's size now (the device may be larger until it is grown). */
  sizeBytes: number;
  /** Size mkfs made it with, once it has grown (ext4's block size and xfs's groups follow it). */
  madeBytes?: number;
  root: DirNode;
}

/** A volume group, modelled as one pool of extents (PVs are not addressed by any command). */
export interface SimVg {
  name: string;
  extentBytes: number;
  extentCount: number;
  /** Extents used by LVs we do not model (thin pools, hidden LVs of a captured node). */
  otherUsedExtents: number;
}

/** A logical volume and the block device it provides. */
export interface SimLv {
  vg: string;
  name: string;
  extents: number;
  /** As lvm stores them: deduplicated, reported sorted. */
  tags: string[];
  active: boolean;
  /** Holders outside our model (a captured node reported the LV open but not where). */
  externalOpens: number;
  /** Signature and content; null when the device has no filesystem. */
  fs: Filesystem | null;
  /**
   * Set on an old-style (copy-on-write) snapshot: `extents` is then its COW area, `fs` the
   * origin's filesystem frozen at the moment it was taken.
   */
  snapshot?: SimSnapshot;
}

/** What makes an LV a snapshot: its origin and how full its COW area is. */
export interface SimSnapshot {
  /** The origin LV's name (same VG). */
  origin: string;
  /** Bytes of the COW area used by chunks the origin changed since. */
  cowUsedBytes: number;
  /** The COW area overflowed: lvm marks the snapshot invalid and it cannot be read. */
  invalid: boolean;
}

/** One mount; later entries with the same target are stacked on top of earlier ones. */
export interface SimMount {
  target: string;
  /** `vg/lv` of the mounted LV. */
  lv: string;
  fstype: string;
  /** The options findmnt shows (already normalised as the kernel would). */
  options: string;
  readOnly: boolean;
}

/** Everything a simulated node knows. */
export interface HostState {
  vgs: Map<string, SimVg>;
  /** Keyed by `vg/lv`. */
  lvs: Map<string, SimLv>;
  root: DirNode;
  mounts: SimMount[];
  /** Paths a simulated process holds (its cwd or an open file): umount is refused under them. */
  holds: string[];
  daemonReloads: number;
  /** Unit files were written or removed since the last daemon-reload. */
  unitFilesChanged: boolean;
}

/** A new empty directory node. */
export function newDir(mode = 0o755): DirNode {
  return { kind: "dir", mode, entries: new Map() };
}

/** The `vg/lv` key of an LV. */
export function lvKey(vg: string, lv: string): string {
  return `${vg}/${lv}`;
}

/** Free extents of a VG. */
export function freeExtents(state: HostState, vg: SimVg): number {
  let used = vg.otherUsedExtents;
  for (const lv of state.lvs.values()) if (lv.vg === vg.name) used += lv.extents;
  return vg.extentCount - used;
}

/** True when the LV is mounted somewhere or held open by something we do not model. */
export function isLvOpen(state: HostState, key: string): boolean {
  const lv = state.lvs.get(key);
  return (lv?.externalOpens ?? 0) > 0 || state.mounts.some((m) => m.lv === key);
}

/** Snapshots whose origin is `vg/lv`. */
export function snapshotsOf(state: HostState, key: string): SimLv[] {
  return [...state.lvs.values()].filter((lv) =>
    lv.snapshot !== undefined && lvKey(lv.vg, lv.snapshot.origin) === key
  );
}
