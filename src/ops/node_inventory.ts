/**
 * Read-only questions `doctor`, `orphans` and the agent's metrics ask a node: our LVs, every
 * mount, the `.mount` unit files and their text, the filesystem holding a path, and tool
 * versions. Each is one command with machine-readable output where the tool has one.
 *
 * @module
 */

import { type Executor, runChecked, throwIfFailed } from "../host/executor.ts";
import { type LvRow, type MountRow, parseFindmnt, parseLvsReport } from "../host/lvm_report.ts";
import { lvsArgv } from "../provision/node_queries.ts";
import { LV_TAG_MOUNT_PREFIX, LV_TAG_OWNER, LV_TAG_PVNAME_PREFIX } from "../volume.ts";

const MOUNT_COLUMNS = ["--output", "TARGET,SOURCE,FSTYPE,OPTIONS"];

/** Every LV tagged `local-lvm-provisioner` (ours and the original project's). */
export async function listTaggedVolumes(exec: Executor): Promise<LvRow[]> {
  return parseLvsReport((await runChecked(exec, lvsArgv([`@${LV_TAG_OWNER}`]))).stdout);
}

/** Every mount of the node, in mount order. */
export async function listMounts(exec: Executor): Promise<MountRow[]> {
  const argv = ["findmnt", "--json", "--list", ...MOUNT_COLUMNS];
  const result = await exec.run(argv);
  if (result.code === 1 && !result.stdout.trim()) return [];
  return parseFindmnt(throwIfFailed(argv, result).stdout);
}

/** The filesystem a path lies on, or undefined when the path does not exist. */
export async function filesystemOf(exec: Executor, path: string): Promise<MountRow | undefined> {
  const argv = ["findmnt", "--json", ...MOUNT_COLUMNS, "--target", path];
  const result = await exec.run(argv);
  if (result.code === 1 && !result.stdout.trim()) return undefined;
  return parseFindmnt(throwIfFailed(argv, result).stdout)[0];
}

/** One row of `systemctl list-unit-files --output=json`. */
export interface UnitFileRow {
  unit: string;
  /** `enabled`, `disabled`, `static`, `generated`, ... */
  state: string;
}

/** Every `.mount` unit file systemd knows. */
export async function listMountUnitFiles(exec: Executor): Promise<UnitFileRow[]> {
  const argv = ["systemctl", "list-unit-files", "--type=mount", "--output=json"];
  const result = await exec.run(argv);
  // Nothing listed is `[]` with exit code 1.
  if (result.code !== 0 && result.stdout.trim() !== "[]") throwIfFailed(argv, result);
  let rows: unknown;
  try {
    rows = JSON.parse(result.stdout);
  } catch (error) {
    throw new Error(`${argv.join(" ")} printed no JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(rows)) throw new Error(`${argv.join(" ")} printed no JSON list`);
  return rows.map((r: { unit_file?: unknown; state?: unknown }) => ({
    unit: String(r.unit_file),
    state: String(r.state),
  }));
}

/** A unit's file as `systemctl cat` shows it: its path and text (drop-ins appended). */
export interface UnitFile {
  path: string;
  text: string;
}

/** The unit's file, or undefined when systemd finds none. */
export async function readUnitFile(exec: Executor, unit: string): Promise<UnitFile | undefined> {
  const argv = ["systemctl", "cat", unit];
  const result = await exec.run(argv);
  if (result.code !== 0 && /^No files found for /m.test(result.stderr)) return undefined;
  const { stdout } = throwIfFailed(argv, result);
  const newline = stdout.indexOf("\n");
  const header = stdout.slice(0, newline < 0 ? undefined : newline);
  return {
    path: header.replace(/^# /, ""),
    text: newline < 0 ? "" : stdout.slice(newline + 1),
  };
}

/**
 * The values of a key in a unit file's section (`Before` in `[Unit]`...), each
 * whitespace-separated word on its own.
 *
 * @example
 * ```ts
 * import { unitValues } from "./node_inventory.ts";
 * const text = "[Unit]\nBefore=kubelet.service\n[Install]\nWantedBy=a.target b.service\n";
 * if (unitValues(text, "Install", "WantedBy").join() !== "a.target,b.service") throw new Error();
 * ```
 */
export function unitValues(text: string, section: string, key: string): string[] {
  const values: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) current = header[1];
    else if (current === section && line.startsWith(`${key}=`)) {
      values.push(...line.slice(key.length + 1).split(/\s+/).filter((v) => v !== ""));
    }
  }
  return values;
}

/** A tool's answer to its version form. */
export interface ToolVersion {
  argv: string[];
  /** False when the binary is not installed (or cannot start). */
  found: boolean;
  /** First line of what it printed, or why it failed. */
  line: string;
}

/** Runs a version form (`lvs --version`...); never throws for a missing tool. */
export async function toolVersion(exec: Executor, argv: string[]): Promise<ToolVersion> {
  const result = await exec.run(argv);
  const first = (text: string) => text.trim().split("\n")[0]?.trim() ?? "";
  if (result.code === 0) return { argv, found: true, line: first(result.stdout || result.stderr) };
  return {
    argv,
    found: false,
    line: first(result.stderr || result.stdout) || `exit ${result.code}`,
  };
}

/** The value of an LV tag with this prefix (`mount=`, `pvname=`). */
export function lvTag(lv: Pick<LvRow, "tags">, prefix: string): string | undefined {
  return lv.tags.find((t) => t.startsWith(prefix))?.slice(prefix.length);
}

/**
 * Where a tagged LV is mounted: `<mount tag>/<lv name>` for ours, `<mount tag>/<pvname tag>`
 * for the original project's (which this cannot tell apart without its mount or PV, so both).
 */
export function expectedMountPoints(lv: Pick<LvRow, "name" | "tags">): string[] {
  const base = lvTag(lv, LV_TAG_MOUNT_PREFIX);
  if (!base) return [];
  const legacy = lvTag(lv, LV_TAG_PVNAME_PREFIX);
  const join = (name: string) => `${base === "/" ? "" : base}/${name}`;
  return [join(lv.name), ...(legacy ? [join(legacy)] : [])];
}

/**
 * The `vg/lv` of a device path as findmnt or a unit's `What=` names it:
 * `/dev/mapper/<vg>-<lv>` (dashes inside names doubled) or `/dev/<vg>/<lv>`.
 *
 * @example
 * ```ts
 * import { lvOfDevice } from "./node_inventory.ts";
 * const lv = lvOfDevice("/dev/mapper/vg--data-pvc--1");
 * if (lv?.vg !== "vg-data" || lv.name !== "pvc-1") throw new Error();
 * ```
 */
export function lvOfDevice(device: string): { vg: string; name: string } | undefined {
  const mapper = /^\/dev\/mapper\/((?:[^-]|--)+)-((?:[^-]|--)+)$/.exec(device);
  if (mapper) {
    return { vg: mapper[1].replaceAll("--", "-"), name: mapper[2].replaceAll("--", "-") };
  }
  const plain = /^\/dev\/([^/]+)\/([^/]+)$/.exec(device);
  if (plain && plain[1] !== "mapper") return { vg: plain[1], name: plain[2] };
  return undefined;
}
