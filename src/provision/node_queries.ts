/**
 * Read-only questions the steps ask a node, each one command with machine-readable
 * output (lvm2's JSON reports, `blkid -o export`, `findmnt --json`), never scraped text.
 *
 * @module
 */

import { type Executor, runChecked, throwIfFailed } from "../host/executor.ts";
import {
  type LvRow,
  LVS_FIELDS,
  type MountRow,
  parseBlkidExport,
  parseFindmnt,
  parseLvsReport,
  parseVgsReport,
  type VgRow,
  VGS_FIELDS,
} from "../host/lvm_report.ts";

export type { LvRow, MountRow, VgRow };

/** The filesystem signature `blkid` found on a device. */
export interface FilesystemInfo {
  type: string;
  uuid?: string;
}

const LVM_JSON = ["--reportformat", "json", "--units", "b", "--nosuffix"];

/** The exact `vgs` argv, for every VG or only the named ones. */
export function vgsArgv(names: readonly string[] = []): string[] {
  return ["vgs", ...LVM_JSON, "-o", VGS_FIELDS.join(","), ...names];
}

/** Every volume group on the node, or those of the named ones that exist. */
export async function listVolumeGroups(
  exec: Executor,
  names: readonly string[] = [],
): Promise<VgRow[]> {
  const argv = vgsArgv(names);
  const result = await exec.run(argv);
  // With names, vgs exits 5 when one is missing but still reports the others.
  const rows = result.stdout.trim() ? parseVgsReport(result.stdout) : [];
  if (result.code !== 0 && (rows.length === 0 || names.length === 0)) throwIfFailed(argv, result);
  return rows;
}

/** The exact `lvs` argv, for a selection (`["--select", "lv_name=x"]`, `["@tag"]`, ...). */
export function lvsArgv(selection: readonly string[] = []): string[] {
  return ["lvs", ...LVM_JSON, "-o", LVS_FIELDS.join(","), ...selection];
}

/** Logical volumes of that name in any volume group (there should be at most one). */
export async function findLogicalVolumes(exec: Executor, lvName: string): Promise<LvRow[]> {
  const argv = lvsArgv(["--select", `lv_name=${lvName}`]);
  return parseLvsReport((await runChecked(exec, argv)).stdout);
}

/** The filesystem on a device, or undefined when `blkid` finds no signature. */
export async function probeFilesystem(
  exec: Executor,
  device: string,
): Promise<FilesystemInfo | undefined> {
  const argv = ["blkid", "-p", "-o", "export", device];
  const result = await exec.run(argv);
  // blkid exits 2, silently, when it finds nothing; a missing device also says why.
  if (result.code === 2 && !result.stderr.trim()) return undefined;
  const fields = parseBlkidExport(throwIfFailed(argv, result).stdout);
  return fields.TYPE ? { type: fields.TYPE, uuid: fields.UUID } : undefined;
}

/** What is mounted exactly at `path`, or undefined. */
export async function findMount(exec: Executor, path: string): Promise<MountRow | undefined> {
  const argv = [
    "findmnt",
    "--json",
    "--output",
    "TARGET,SOURCE,FSTYPE,OPTIONS",
    "--mountpoint",
    path,
  ];
  const result = await exec.run(argv);
  if (result.code === 1 && !result.stdout.trim()) return undefined;
  return parseFindmnt(throwIfFailed(argv, result).stdout)[0];
}

/** The path `findmnt` shows for an LV: device-mapper doubles the dashes inside each name. */
export function deviceMapperPath(vg: string, lv: string): string {
  const esc = (s: string) => s.replaceAll("-", "--");
  return `/dev/mapper/${esc(vg)}-${esc(lv)}`;
}
