/**
 * Simulated `vgs` and `lvs`: JSON reports only (`--reportformat json --units b
 * --nosuffix -o ...`), formatted exactly as lvm2's libdm report code prints them.
 *
 * @module
 */

import { VGS_FIELDS } from "../lvm_report.ts";
import type { CommandResult } from "../executor.ts";
import { parseArgs, type ParsedArgs, requireValue } from "./argv.ts";
import { ECMD_FAILED, lvmLines, vgNotFound } from "./lvm_rules.ts";
import { lvPath, mapperPath, unsupported } from "./paths.ts";
import { freeExtents, type HostState, isLvOpen, type SimLv, snapshotsOf } from "./state.ts";

const REPORT_OPTIONS = {
  "--reportformat": "value",
  "--units": "value",
  "--nosuffix": "flag",
  "-o": "value",
  "--options": "value",
} as const;

/** Formats report rows as lvm prints JSON: 2-space margin, 4-space indents, one row a line. */
export function lvmJson(section: string, rows: Record<string, string>[]): string {
  const row = (r: Record<string, string>) =>
    "{" +
    Object.entries(r).map(([k, v]) => `"${k}":"${v.replaceAll('"', '\\"')}"`).join(", ") +
    "}";
  const body = rows.map((r, i) => `                  ${row(r)}${i < rows.length - 1 ? "," : ""}\n`);
  return "  {\n" +
    '      "report": [\n' +
    "          {\n" +
    `              "${section}": [\n` +
    body.join("") +
    "              ]\n" +
    "          }\n" +
    "      ]\n" +
    "  }\n";
}

function fields(command: string, parsed: ParsedArgs, known: readonly string[]): string[] {
  requireValue(command, parsed, "--reportformat", ["json"]);
  requireValue(command, parsed, "--units", ["b"]);
  if (!parsed.options.has("--nosuffix")) unsupported(`${command}: --nosuffix is required`);
  const list = parsed.options.get("-o") ?? parsed.options.get("--options");
  if (!list || (parsed.options.has("-o") && parsed.options.has("--options"))) {
    unsupported(`${command}: exactly one -o field list is required`);
  }
  const names = list[0].split(",");
  for (const name of names) {
    if (!known.includes(name)) unsupported(`${command}: report field ${name} is not implemented`);
  }
  return names;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// What the steps ask for, plus lv_count.
const VG_FIELDS = [...VGS_FIELDS, "lv_count"];

/** `vgs --reportformat json --units b --nosuffix -o FIELDS [VG...]` */
export function vgsCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("vgs", args, REPORT_OPTIONS, { min: 0, max: Infinity });
  const wanted = fields("vgs", parsed, VG_FIELDS);
  if (parsed.operands.some((o) => o.startsWith("@") || o.includes("/"))) {
    unsupported("vgs: only plain VG names are implemented as operands");
  }
  const names = parsed.operands.length > 0
    ? [...new Set(parsed.operands)].sort(byName)
    : [...state.vgs.keys()].sort(byName);
  let stderr = "";
  const rows: Record<string, string>[] = [];
  for (const name of names) {
    const vg = state.vgs.get(name);
    if (!vg) {
      stderr += vgNotFound(name);
      continue;
    }
    const free = freeExtents(state, vg);
    const values: Record<string, string> = {
      vg_name: vg.name,
      vg_size: String(vg.extentCount * vg.extentBytes),
      vg_free: String(free * vg.extentBytes),
      vg_extent_size: String(vg.extentBytes),
      vg_extent_count: String(vg.extentCount),
      vg_free_count: String(free),
      lv_count: String([...state.lvs.values()].filter((lv) => lv.vg === vg.name).length),
    };
    rows.push(Object.fromEntries(wanted.map((f) => [f, values[f]])));
  }
  return { code: stderr ? ECMD_FAILED : 0, stdout: lvmJson("vg", rows), stderr };
}

const LV_FIELDS = [
  "lv_name",
  "vg_name",
  "lv_size",
  "lv_tags",
  "lv_path",
  "lv_dm_path",
  "lv_attr",
  "origin",
  "data_percent",
];

/**
 * lv_attr of a linear LV (`-wi-ao----`), a snapshot origin (`owi-aos---`) or a snapshot
 * (`swi-a-s---`, state `I` once invalid).
 */
export function lvAttr(state: HostState, lv: SimLv): string {
  const key = `${lv.vg}/${lv.name}`;
  const open = isLvOpen(state, key);
  const isOrigin = snapshotsOf(state, key).length > 0;
  const type = lv.snapshot ? "s" : isOrigin ? "o" : "-";
  const stateChar = !lv.active ? "-" : lv.snapshot?.invalid ? "I" : "a";
  const target = lv.snapshot || isOrigin ? "s" : "-";
  return `${type}wi-${stateChar}${lv.active && open ? "o" : "-"}${target}---`;
}

/** data_percent of a snapshot: how full its COW area is, with two decimals. */
function dataPercent(state: HostState, lv: SimLv): string {
  if (!lv.snapshot || !lv.active) return "";
  if (lv.snapshot.invalid) return "100.00";
  const cow = lv.extents * state.vgs.get(lv.vg)!.extentBytes;
  return ((100 * lv.snapshot.cowUsedBytes) / cow).toFixed(2);
}

function lvRow(state: HostState, lv: SimLv, wanted: string[]): Record<string, string> {
  const extentBytes = state.vgs.get(lv.vg)!.extentBytes;
  const values: Record<string, string> = {
    lv_name: lv.name,
    vg_name: lv.vg,
    lv_size: String(lv.extents * extentBytes),
    lv_tags: [...lv.tags].sort(byName).join(","),
    lv_path: lvPath(lv.vg, lv.name),
    lv_dm_path: mapperPath(lv.vg, lv.name),
    lv_attr: lvAttr(state, lv),
    origin: lv.snapshot?.origin ?? "",
    data_percent: dataPercent(state, lv),
  };
  return Object.fromEntries(wanted.map((f) => [f, values[f]]));
}

/**
 * `lvs --reportformat json --units b --nosuffix -o FIELDS [--select lv_name=NAME]
 * [@TAG | VG | VG/LV ...]`
 */
export function lvsCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("lvs", args, { ...REPORT_OPTIONS, "--select": "value" }, {
    min: 0,
    max: Infinity,
  });
  const wanted = fields("lvs", parsed, LV_FIELDS);
  const select = parsed.options.get("--select")?.[0];
  let nameFilter: string | undefined;
  if (select !== undefined) {
    const m = /^lv_name=([^\s,|&()!=<>~"']+)$/.exec(select);
    if (!m) unsupported(`lvs: --select ${select} is not implemented (only lv_name=NAME)`);
    nameFilter = m[1];
  }
  const all = [...state.lvs.values()];
  let chosen = new Set<SimLv>(parsed.operands.length === 0 ? all : []);
  let stderr = "";
  const missingVgs = new Set<string>();
  for (const operand of parsed.operands) {
    if (operand.startsWith("@")) {
      const tag = operand.slice(1);
      all.filter((lv) => lv.tags.includes(tag)).forEach((lv) => chosen.add(lv));
      continue;
    }
    const [vg, name, extra] = operand.split("/");
    if (extra !== undefined || vg === "" || name === "") {
      unsupported(`lvs: operand ${operand} is not implemented`);
    }
    if (!state.vgs.has(vg)) {
      if (!missingVgs.has(vg)) stderr += vgNotFound(vg);
      missingVgs.add(vg);
      continue;
    }
    if (name === undefined) {
      all.filter((lv) => lv.vg === vg).forEach((lv) => chosen.add(lv));
      continue;
    }
    const lv = state.lvs.get(`${vg}/${name}`);
    if (lv) chosen.add(lv);
    else stderr += lvmLines(`Failed to find logical volume "${vg}/${name}"`);
  }
  if (nameFilter !== undefined) {
    chosen = new Set([...chosen].filter((lv) => lv.name === nameFilter));
  }
  const rows = [...chosen]
    .sort((a, b) => byName(a.vg, b.vg) || byName(a.name, b.name))
    .map((lv) => lvRow(state, lv, wanted));
  return { code: stderr ? ECMD_FAILED : 0, stdout: lvmJson("lv", rows), stderr };
}
