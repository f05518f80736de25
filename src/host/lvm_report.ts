/**
 * Parsers for the machine-readable outputs we ask node tools for: lvm2's JSON reports
 * (`--reportformat json --units b --nosuffix`), `blkid -o export` and `findmnt --json`.
 * Pure functions; they throw {@link ReportParseError} on anything unexpected rather than
 * guess.
 *
 * @module
 */

/** The `-o` fields we request from `vgs`, in order. */
export const VGS_FIELDS = [
  "vg_name",
  "vg_size",
  "vg_free",
  "vg_extent_size",
  "vg_extent_count",
  "vg_free_count",
] as const;

/** The `-o` fields we request from `lvs`, in order. */
export const LVS_FIELDS = [
  "lv_name",
  "vg_name",
  "lv_size",
  "lv_tags",
  "lv_path",
  "lv_attr",
] as const;

/** The `-o` fields for snapshots: an LV's, then its origin and how full its COW area is. */
export const SNAPSHOT_LVS_FIELDS = [...LVS_FIELDS, "origin", "data_percent"] as const;

/** Output could not be understood. */
export class ReportParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportParseError";
  }
}

/** A volume group, sizes in bytes. */
export interface VgRow {
  name: string;
  sizeBytes: number;
  freeBytes: number;
  extentBytes: number;
  extentCount: number;
  freeExtents: number;
}

/** A logical volume, size in bytes. */
export interface LvRow {
  name: string;
  vg: string;
  sizeBytes: number;
  tags: string[];
  path: string;
  attr: string;
  /** lv_attr's 5th character is `a`. */
  active: boolean;
  /** lv_attr's 6th character is `o` (mounted or otherwise held open). */
  open: boolean;
}

/** One mounted filesystem as `findmnt` shows it. */
export interface MountRow {
  target: string;
  source: string;
  fstype: string;
  options: string[];
}

type Row = Record<string, unknown>;

function rows(input: string | unknown, section: "vg" | "lv"): Row[] {
  let doc = input;
  if (typeof input === "string") {
    try {
      doc = JSON.parse(input);
    } catch (error) {
      throw new ReportParseError(`${section}s report is not JSON: ${(error as Error).message}`);
    }
  }
  const report = (doc as { report?: unknown } | null)?.report;
  if (!Array.isArray(report)) {
    throw new ReportParseError(`${section}s report has no "report" array`);
  }
  return report.flatMap((part) => {
    const list = (part as Record<string, unknown> | null)?.[section];
    if (list === undefined) return [];
    if (!Array.isArray(list)) {
      throw new ReportParseError(`${section}s report: "${section}" is not a list`);
    }
    return list as Row[];
  });
}

function str(row: Row, field: string): string {
  const value = row[field];
  if (typeof value !== "string") {
    throw new ReportParseError(`report row ${JSON.stringify(row)} has no string field ${field}`);
  }
  return value;
}

function int(row: Row, field: string): number {
  const value = str(row, field);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new ReportParseError(
      `report field ${field} is ${JSON.stringify(value)}, not a whole number of bytes ` +
        `(was it run with --units b --nosuffix?)`,
    );
  }
  return Number(value);
}

/**
 * Parses `vgs --reportformat json --units b --nosuffix -o <VGS_FIELDS>` output (text or
 * already parsed JSON).
 *
 * @example
 * ```ts
 * import { parseVgsReport } from "./lvm_report.ts";
 * const [vg] = parseVgsReport('{"report":[{"vg":[{"vg_name":"vg0","vg_size":"8388608",' +
 *   '"vg_free":"4194304","vg_extent_size":"4194304","vg_extent_count":"2","vg_free_count":"1"}]}]}');
 * if (vg.freeExtents !== 1) throw new Error("parse failed");
 * ```
 */
export function parseVgsReport(input: string | unknown): VgRow[] {
  return rows(input, "vg").map((r) => ({
    name: str(r, "vg_name"),
    sizeBytes: int(r, "vg_size"),
    freeBytes: int(r, "vg_free"),
    extentBytes: int(r, "vg_extent_size"),
    extentCount: int(r, "vg_extent_count"),
    freeExtents: int(r, "vg_free_count"),
  }));
}

/** A logical volume with its snapshot fields (`origin` is empty for a plain LV). */
export interface SnapshotLvRow extends LvRow {
  origin: string;
  /** How full the COW area is, in percent; undefined for a plain or inactive LV. */
  dataPercent?: number;
  /** lv_attr's 5th character is `I`: the COW area overflowed and the snapshot is unreadable. */
  invalid: boolean;
}

/**
 * Parses `lvs ... -o <SNAPSHOT_LVS_FIELDS>` output.
 *
 * @example
 * ```ts
 * import { parseSnapshotLvsReport } from "./lvm_report.ts";
 * const [lv] = parseSnapshotLvsReport({ report: [{ lv: [{ lv_name: "s", vg_name: "vg0",
 *   lv_size: "4194304", lv_tags: "", lv_path: "/dev/vg0/s", lv_attr: "swi-I-s---",
 *   origin: "a", data_percent: "100.00" }] }] });
 * if (!lv.invalid || lv.origin !== "a" || lv.dataPercent !== 100) throw new Error("parse failed");
 * ```
 */
export function parseSnapshotLvsReport(input: string | unknown): SnapshotLvRow[] {
  const plain = parseLvsReport(input);
  return rows(input, "lv").map((r, i) => {
    const percent = str(r, "data_percent");
    return {
      ...plain[i],
      origin: str(r, "origin"),
      dataPercent: percent === "" ? undefined : Number(percent),
      invalid: plain[i].attr[4] === "I",
    };
  });
}

/**
 * Parses `lvs --reportformat json --units b --nosuffix -o <LVS_FIELDS>` output.
 *
 * @example
 * ```ts
 * import { parseLvsReport } from "./lvm_report.ts";
 * const [lv] = parseLvsReport({ report: [{ lv: [{ lv_name: "a", vg_name: "vg0",
 *   lv_size: "4194304", lv_tags: "t1,t2", lv_path: "/dev/vg0/a", lv_attr: "-wi-ao----" }] }] });
 * if (!lv.open || lv.tags.length !== 2) throw new Error("parse failed");
 * ```
 */
export function parseLvsReport(input: string | unknown): LvRow[] {
  return rows(input, "lv").map((r) => {
    const attr = str(r, "lv_attr");
    const tags = str(r, "lv_tags");
    return {
      name: str(r, "lv_name"),
      vg: str(r, "vg_name"),
      sizeBytes: int(r, "lv_size"),
      tags: tags === "" ? [] : tags.split(","),
      path: str(r, "lv_path"),
      attr,
      active: attr[4] === "a",
      open: attr[5] === "o",
    };
  });
}

/**
 * Parses `blkid -o export` output into a record (`TYPE`, `UUID`, ...). blkid escapes
 * shell-special characters in values with a backslash; this undoes that. Empty output
 * (no signature) gives an empty record.
 *
 * @example
 * ```ts
 * import { parseBlkidExport } from "./lvm_report.ts";
 * const r = parseBlkidExport("DEVNAME=/dev/vg0/a\nUUID=1234\nTYPE=ext4\n");
 * if (r.TYPE !== "ext4") throw new Error("parse failed");
 * ```
 */
export function parseBlkidExport(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new ReportParseError(`blkid line ${JSON.stringify(line)} is not KEY=value`);
    out[line.slice(0, eq)] = line.slice(eq + 1).replace(/\\(.)/g, "$1");
  }
  return out;
}

/**
 * Parses `findmnt --json --output TARGET,SOURCE,FSTYPE,OPTIONS` output. findmnt prints
 * nothing (exit 1) when nothing matched: empty input gives an empty list.
 *
 * @example
 * ```ts
 * import { parseFindmnt } from "./lvm_report.ts";
 * const [m] = parseFindmnt('{"filesystems":[{"target":"/d","source":"/dev/mapper/vg0-a",' +
 *   '"fstype":"ext4","options":"rw,relatime"}]}');
 * if (m.options[1] !== "relatime") throw new Error("parse failed");
 * ```
 */
export function parseFindmnt(stdout: string): MountRow[] {
  if (stdout.trim() === "") return [];
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (error) {
    throw new ReportParseError(`findmnt output is not JSON: ${(error as Error).message}`);
  }
  const list = (doc as { filesystems?: unknown } | null)?.filesystems;
  if (!Array.isArray(list)) throw new ReportParseError('findmnt output has no "filesystems" list');
  return list.map((r: Row) => {
    const options = r.options ?? "";
    if (typeof options !== "string") throw new ReportParseError("findmnt options is not a string");
    return {
      target: str(r, "target"),
      source: typeof r.source === "string" ? r.source : "",
      fstype: str(r, "fstype"),
      options: options === "" ? [] : options.split(","),
    };
  });
}
