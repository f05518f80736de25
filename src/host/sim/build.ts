/**
 * Building a simulated node's state: from a short description (VG sizes), or from a real
 * node's reports (`vgs`/`lvs` JSON, optionally `findmnt` and `blkid` outputs) as
 * `deno task plan --host-state` reads them.
 *
 * @module
 */

import { parseBlkidExport, parseFindmnt, parseLvsReport, parseVgsReport } from "../lvm_report.ts";
import { mkdirParents } from "./fs_tree.ts";
import { isValidName } from "./lvm_rules.ts";
import { mountOptions } from "./mount_options.ts";
import { normalizePath, resolveDevice } from "./paths.ts";
import { type HostState, lvKey, newDir } from "./state.ts";

/** A volume group to create. */
export interface VgSeed {
  name: string;
  /** Total size; the VG gets floor(size / extent size) extents. */
  sizeBytes: number;
  /** Default 4 MiB, lvm's default. */
  extentBytes?: number;
}

/** Directories every simulated node starts with. */
export const DEFAULT_DIRS = ["/etc/systemd/system", "/var/lib", "/tmp", "/mnt", "/opt"];

/** An empty node with the given VGs and directories. */
export function initialState(
  vgs: readonly VgSeed[],
  dirs: readonly string[] = DEFAULT_DIRS,
): HostState {
  const state: HostState = {
    vgs: new Map(),
    lvs: new Map(),
    root: newDir(),
    mounts: [],
    holds: [],
    daemonReloads: 0,
    unitFilesChanged: false,
  };
  for (const seed of vgs) {
    const extentBytes = seed.extentBytes ?? 4 * 1024 ** 2;
    if (!isValidName(seed.name)) throw new Error(`invalid VG name ${JSON.stringify(seed.name)}`);
    if (state.vgs.has(seed.name)) throw new Error(`VG ${seed.name} given twice`);
    if (!(extentBytes > 0) || extentBytes % 512 !== 0) {
      throw new Error(`VG ${seed.name}: extent size must be a positive multiple of 512`);
    }
    state.vgs.set(seed.name, {
      name: seed.name,
      extentBytes,
      extentCount: Math.floor(seed.sizeBytes / extentBytes),
      otherUsedExtents: 0,
    });
  }
  for (const dir of dirs) {
    const error = mkdirParents(state, normalizePath(dir), 0o755);
    if (error) throw new Error(`cannot create ${dir}: ${error.errno}`);
  }
  return state;
}

/** A real node's reports, as a host state file holds them (raw text or parsed JSON). */
export interface NodeReports {
  /** `vgs --reportformat json --units b --nosuffix -o <VGS_FIELDS>` */
  vgs: unknown;
  /** `lvs --reportformat json --units b --nosuffix -o <LVS_FIELDS>` */
  lvs?: unknown;
  /** `findmnt --json --output TARGET,SOURCE,FSTYPE,OPTIONS` (any mounts of the LVs). */
  mounts?: unknown;
  /** `blkid -p -o export` output per device path. */
  blkid?: Record<string, string>;
}

/**
 * The state of a node as its reports describe it. LVs start without filesystem content;
 * space used by LVs the reports do not list (thin pools, hidden LVs) stays used.
 */
export function stateFromReports(reports: NodeReports): HostState {
  const vgRows = parseVgsReport(reports.vgs);
  const lvRows = reports.lvs === undefined ? [] : parseLvsReport(reports.lvs);
  const state = initialState([]);
  for (const row of vgRows) {
    state.vgs.set(row.name, {
      name: row.name,
      extentBytes: row.extentBytes,
      extentCount: row.extentCount,
      otherUsedExtents: row.extentCount - row.freeExtents,
    });
  }
  for (const row of lvRows) {
    const vg = state.vgs.get(row.vg);
    if (!vg) throw new Error(`LV ${row.vg}/${row.name} is in a VG the vgs report does not list`);
    if (row.sizeBytes % vg.extentBytes !== 0) {
      throw new Error(`LV ${row.vg}/${row.name} is not a whole number of extents`);
    }
    const extents = row.sizeBytes / vg.extentBytes;
    vg.otherUsedExtents -= extents;
    if (vg.otherUsedExtents < 0) {
      throw new Error(`VG ${vg.name}: the listed LVs use more extents than the VG has in use`);
    }
    state.lvs.set(lvKey(row.vg, row.name), {
      vg: row.vg,
      name: row.name,
      extents,
      tags: row.tags,
      active: row.active,
      externalOpens: row.open ? 1 : 0,
      fs: null,
    });
  }
  for (const [device, text] of Object.entries(reports.blkid ?? {})) {
    const fields = parseBlkidExport(text);
    const key = resolveDevice(state, device);
    if (!key) throw new Error(`blkid output for ${device}, which is no active LV`);
    const lv = state.lvs.get(key)!;
    if (fields.TYPE) {
      lv.fs = {
        type: fields.TYPE,
        uuid: fields.UUID ?? "",
        sizeBytes: lv.extents * state.vgs.get(lv.vg)!.extentBytes,
        root: newDir(),
      };
    }
  }
  addMounts(state, reports.mounts);
  return state;
}

function addMounts(state: HostState, mounts: unknown): void {
  if (mounts === undefined) return;
  const text = typeof mounts === "string" ? mounts : JSON.stringify(mounts);
  for (const row of parseFindmnt(text)) {
    const key = resolveDevice(state, row.source);
    if (!key) continue; // Not one of the LVs: the simulator only models LV mounts.
    const lv = state.lvs.get(key)!;
    lv.fs ??= {
      type: row.fstype,
      uuid: "",
      sizeBytes: lv.extents * state.vgs.get(lv.vg)!.extentBytes,
      root: newDir(),
    };
    const target = normalizePath(row.target);
    const error = mkdirParents(state, target, 0o755);
    if (error) throw new Error(`cannot create mount point ${target}: ${error.errno}`);
    const shown = mountOptions(row.fstype, []);
    state.mounts.push({
      target,
      lv: key,
      fstype: row.fstype,
      options: row.options.join(",") || (shown.ok ? shown.shown : "rw"),
      readOnly: row.options.includes("ro"),
    });
    lv.externalOpens = 0;
  }
}
