/**
 * What tests and `plan` can see and arrange on a simulated node without running
 * commands: a plain JSON snapshot, files through the mount overlay, LVs, mounts, unit
 * files, and "busy" holds on paths.
 *
 * @module
 */

import { listTree, mkdirParents, nodeAt, type TreeListing, writeFile } from "./fs_tree.ts";
import { UNIT_DIR } from "./fs_commands.ts";
import { lvAttr } from "./lvm_reports.ts";
import { isUnder, lvPath, mapperPath, normalizePath, resolveDevice } from "./paths.ts";
import { freeExtents, type HostState, isLvOpen } from "./state.ts";

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** An LV as tests see it. */
export interface LvView {
  vg: string;
  name: string;
  extents: number;
  sizeBytes: number;
  tags: string[];
  attr: string;
  active: boolean;
  open: boolean;
  path: string;
  dmPath: string;
  filesystem: { type: string; uuid: string; sizeBytes: number } | null;
}

/** A mount as findmnt would show it. */
export interface MountView {
  target: string;
  source: string;
  fstype: string;
  options: string;
}

/** The whole state as plain JSON. */
export interface HostSnapshot {
  vgs: {
    name: string;
    extentBytes: number;
    extentCount: number;
    freeExtents: number;
    sizeBytes: number;
    freeBytes: number;
  }[];
  lvs: (LvView & { files: TreeListing | null })[];
  mounts: MountView[];
  /** The root filesystem underneath every mount. */
  files: TreeListing;
  holds: string[];
  systemd: { daemonReloads: number; unitFilesChanged: boolean };
}

/** A unit file and the enablement links pointing at it. */
export interface UnitFileView {
  content: string;
  links: string[];
}

/** Read-and-arrange access to a simulated node's state. */
export class SimulatedHostView {
  constructor(protected state: HostState) {}

  /** A plain JSON view of everything, for assertions and printing. */
  snapshot(): HostSnapshot {
    const s = this.state;
    return {
      vgs: [...s.vgs.values()].map((vg) => {
        const free = freeExtents(s, vg);
        return {
          name: vg.name,
          extentBytes: vg.extentBytes,
          extentCount: vg.extentCount,
          freeExtents: free,
          sizeBytes: vg.extentCount * vg.extentBytes,
          freeBytes: free * vg.extentBytes,
        };
      }),
      lvs: this.listLvs().map((lv) => {
        const fs = s.lvs.get(`${lv.vg}/${lv.name}`)?.fs;
        return { ...lv, files: fs ? listTree(fs.root) : null };
      }),
      mounts: this.mounts(),
      files: listTree(s.root),
      holds: [...s.holds],
      systemd: { daemonReloads: s.daemonReloads, unitFilesChanged: s.unitFilesChanged },
    };
  }

  /** Every LV, sorted by VG then name. */
  listLvs(): LvView[] {
    const s = this.state;
    return [...s.lvs.values()]
      .map((lv) => {
        const extentBytes = s.vgs.get(lv.vg)!.extentBytes;
        return {
          vg: lv.vg,
          name: lv.name,
          extents: lv.extents,
          sizeBytes: lv.extents * extentBytes,
          tags: [...lv.tags].sort(),
          attr: lvAttr(s, lv),
          active: lv.active,
          open: isLvOpen(s, `${lv.vg}/${lv.name}`),
          path: lvPath(lv.vg, lv.name),
          dmPath: mapperPath(lv.vg, lv.name),
          filesystem: lv.fs
            ? { type: lv.fs.type, uuid: lv.fs.uuid, sizeBytes: lv.fs.sizeBytes }
            : null,
        };
      })
      .sort((a, b) => cmp(a.vg, b.vg) || cmp(a.name, b.name));
  }

  /** Current mounts, bottom to top. */
  mounts(): MountView[] {
    return this.state.mounts.map((m) => {
      const lv = this.state.lvs.get(m.lv)!;
      return {
        target: m.target,
        source: mapperPath(lv.vg, lv.name),
        fstype: m.fstype,
        options: m.options,
      };
    });
  }

  /** Unit files in /etc/systemd/system and the enablement symlinks to each. */
  unitFiles(): Record<string, UnitFileView> {
    const dir = nodeAt(this.state, UNIT_DIR);
    const out: Record<string, UnitFileView> = {};
    if (dir?.kind !== "dir") return out;
    for (const [name, node] of dir.entries) {
      if (node.kind === "file") out[name] = { content: node.content, links: [] };
    }
    for (const [name, node] of dir.entries) {
      if (node.kind !== "dir") continue;
      for (const [unit, link] of node.entries) {
        if (link.kind === "symlink" && out[unit]) {
          out[unit].links.push(`${UNIT_DIR}/${name}/${unit}`);
        }
      }
    }
    for (const view of Object.values(out)) view.links.sort();
    return out;
  }

  /** How many times systemd reloaded its units (daemon-reload, enable, disable). */
  get daemonReloads(): number {
    return this.state.daemonReloads;
  }

  /** Unit files were written or removed since the last reload. */
  get unitFilesChanged(): boolean {
    return this.state.unitFilesChanged;
  }

  /** True when the path exists (through mounts), or names an active LV's device. */
  exists(path: string): boolean {
    if (path.startsWith("/dev/")) return resolveDevice(this.state, path) !== undefined;
    return nodeAt(this.state, normalizePath(path)) !== undefined;
  }

  /** A file's content (through mounts), or undefined. */
  readFile(path: string): string | undefined {
    const node = nodeAt(this.state, normalizePath(path));
    return node?.kind === "file" ? node.content : undefined;
  }

  /** Writes a file through mounts, creating missing parent directories. */
  writeFile(path: string, content: string, mode = 0o644): void {
    const normal = normalizePath(path);
    const parent = normal.slice(0, normal.lastIndexOf("/")) || "/";
    const error = mkdirParents(this.state, parent, 0o755) ??
      writeFile(this.state, normal, content, mode);
    if (error) throw new Error(`cannot write ${path}: ${error.errno} at ${error.at}`);
  }

  /** Creates a directory and its parents through mounts. */
  mkdir(path: string, mode = 0o755): void {
    const error = mkdirParents(this.state, normalizePath(path), mode);
    if (error) throw new Error(`cannot create ${path}: ${error.errno} at ${error.at}`);
  }

  /**
   * Puts a filesystem signature on an LV's device (or wipes it with null), e.g. to
   * stand for a filesystem somebody else made.
   */
  setFilesystem(device: string, fs: { type: string; uuid: string } | null): void {
    const key = resolveDevice(this.state, device);
    if (!key) throw new Error(`no active LV at ${device}`);
    const lv = this.state.lvs.get(key)!;
    const sizeBytes = lv.extents * this.state.vgs.get(lv.vg)!.extentBytes;
    lv.fs = fs
      ? { ...fs, sizeBytes, root: { kind: "dir", mode: 0o755, entries: new Map() } }
      : null;
  }

  /**
   * A simulated process holds `path` (its working directory, or an open file): umount of
   * any mount containing it fails with "target is busy" until released.
   */
  hold(path: string): () => void {
    const normal = normalizePath(path);
    this.state.holds.push(normal);
    return () => this.release(normal);
  }

  /** Releases one hold on `path`. */
  release(path: string): void {
    const normal = normalizePath(path);
    const i = this.state.holds.indexOf(normal);
    if (i >= 0) this.state.holds.splice(i, 1);
  }

  /** True when some hold lies under `path`. */
  isHeld(path: string): boolean {
    const normal = normalizePath(path);
    return this.state.holds.some((h) => isUnder(h, normal));
  }
}
