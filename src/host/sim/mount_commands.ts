/**
 * Simulated `mount -t TYPE [-o OPTS] DEVICE PATH`, `umount PATH|DEVICE` and
 * `findmnt --json --output ... --mountpoint PATH | --target PATH | --list`, with util-linux
 * 2.38.1's messages (checked on loop devices) and exit codes (32 for mount failures, 1 for no
 * match). The root filesystem, which the simulator does not model as a mount, is shown as the
 * test guest's `/dev/vda` by `--target` and `--list`.
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import { optionValue, parseArgs } from "./argv.ts";
import { nodeAt, topMount } from "./fs_tree.ts";
import { mountOptions } from "./mount_options.ts";
import {
  fail,
  isUnder,
  mapperPath,
  normalizePath,
  ok,
  resolveDevice,
  unsupported,
} from "./paths.ts";
import type { HostState, SimMount } from "./state.ts";

const MOUNT_FAILED = 32;
const DMESG_HINT = "       dmesg(1) may have more information after failed mount system call.\n";
/** Filesystems the kernel knows but the simulator does not model. */
const UNMODELLED = new Set([
  "ext2",
  "ext3",
  "btrfs",
  "vfat",
  "tmpfs",
  "proc",
  "sysfs",
  "none",
  "auto",
]);

function mountError(target: string, message: string): CommandResult {
  return fail(MOUNT_FAILED, `mount: ${target}: ${message}\n${DMESG_HINT}`);
}

function sourceOf(state: HostState, mount: SimMount): string {
  const lv = state.lvs.get(mount.lv)!;
  return mapperPath(lv.vg, lv.name);
}

/** `mount -t ext4|xfs [-o OPTS] DEVICE PATH` */
export function mountCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("mount", args, { "-t": "value", "-o": "value" }, { min: 2, max: 2 });
  const fstype = optionValue(parsed, "-t");
  if (fstype === undefined) unsupported("mount: -t TYPE is required (no probing)");
  if (UNMODELLED.has(fstype) || fstype.includes(",")) {
    unsupported(`mount: filesystem type ${fstype} is not modelled`);
  }
  const [devicePath, targetArg] = parsed.operands;
  if (!devicePath.startsWith("/dev/")) unsupported("mount: only block devices can be mounted");
  const target = normalizePath(targetArg);
  if (fstype !== "ext4" && fstype !== "xfs") {
    return mountError(targetArg, `unknown filesystem type '${fstype}'.`);
  }
  const node = nodeAt(state, target);
  if (!node) return mountError(targetArg, "mount point does not exist.");
  if (node.kind !== "dir") return mountError(targetArg, "mount point is not a directory.");
  const key = resolveDevice(state, devicePath);
  if (!key) return mountError(targetArg, `special device ${devicePath} does not exist.`);
  const lv = state.lvs.get(key)!;
  const source = mapperPath(lv.vg, lv.name);

  const existing = state.mounts.filter((m) => m.lv === key);
  const here = existing.find((m) => m.target === target && topMount(state, target) === m);
  if (here || (existing.length > 0 && existing[0].fstype !== fstype)) {
    return mountError(targetArg, `${source} already mounted on ${(here ?? existing[0]).target}.`);
  }
  const optionList = (optionValue(parsed, "-o") ?? "").split(",");
  const options = mountOptions(fstype, optionList);
  if (lv.snapshot?.invalid) return mountError(targetArg, `can't read superblock on ${source}.`);
  // Two xfs filesystems with one UUID (a snapshot and its origin) need nouuid.
  const sameUuid = fstype === "xfs" && !optionList.includes("nouuid") &&
    state.mounts.some((m) => m.lv !== key && state.lvs.get(m.lv)?.fs?.uuid === lv.fs?.uuid);
  if (!lv.fs || lv.fs.type !== fstype || !options.ok || sameUuid) {
    return mountError(
      targetArg,
      `wrong fs type, bad option, bad superblock on ${source}, missing codepage or helper ` +
        "program, or other error.",
    );
  }
  state.mounts.push({
    target,
    lv: key,
    fstype,
    options: options.shown,
    readOnly: options.readOnly,
  });
  return ok();
}

function umountError(arg: string, message: string): CommandResult {
  return fail(MOUNT_FAILED, `umount: ${arg}: ${message}\n`);
}

/** `umount PATH` or `umount DEVICE` (the device's most recent mount). */
export function umountCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("umount", args, {}, { min: 1, max: 1 });
  const arg = parsed.operands[0];
  let mount: SimMount | undefined;
  if (arg.startsWith("/dev/")) {
    const key = resolveDevice(state, arg);
    if (!key) return umountError(arg, "no mount point specified.");
    mount = state.mounts.findLast((m) => m.lv === key);
    if (!mount) return umountError(arg, "not mounted.");
  } else {
    const target = normalizePath(arg);
    mount = topMount(state, target);
    if (!mount) {
      return umountError(arg, nodeAt(state, target) ? "not mounted." : "no mount point specified.");
    }
  }
  const target = mount.target;
  const held = state.holds.some((h) => isUnder(h, target));
  const submounts = state.mounts.some((m) => m.target !== target && isUnder(m.target, target));
  if (held || submounts) return umountError(arg, "target is busy.");
  state.mounts.splice(state.mounts.lastIndexOf(mount), 1);
  return ok();
}

const COLUMNS = ["TARGET", "SOURCE", "FSTYPE", "OPTIONS"];

/** findmnt's JSON: libsmartcols indents by three spaces. */
function findmntJson(rows: Record<string, string>[]): string {
  const row = (r: Record<string, string>) =>
    "      {\n" +
    Object.entries(r).map(([k, v]) => `         ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(
      ",\n",
    ) + "\n      }";
  return `{\n   "filesystems": [\n${rows.map(row).join(",\n")}\n   ]\n}\n`;
}

/** How the root filesystem shows (the test guest's). */
const ROOT_ROW = {
  TARGET: "/",
  SOURCE: "/dev/vda",
  FSTYPE: "ext4",
  OPTIONS: "rw,relatime,errors=remount-ro",
};

/** The rows a findmnt form selects (empty when none). */
function selectMounts(
  state: HostState,
  form: { mountpoint?: string; target?: string },
): Record<string, string>[] {
  const row = (m: SimMount) => ({
    TARGET: m.target,
    SOURCE: sourceOf(state, m),
    FSTYPE: m.fstype,
    OPTIONS: m.options,
  });
  if (form.mountpoint !== undefined) {
    const target = normalizePath(form.mountpoint);
    return state.mounts.filter((m) => m.target === target).map(row);
  }
  if (form.target !== undefined) {
    // The filesystem holding an existing path: the innermost mount above it, else the root.
    const path = normalizePath(form.target);
    if (!nodeAt(state, path)) return [];
    const holders = state.mounts.filter((m) => isUnder(path, m.target));
    const innermost = holders.reduce<SimMount | undefined>(
      (best, m) => (!best || m.target.length >= best.target.length ? m : best),
      undefined,
    );
    return [innermost ? row(innermost) : ROOT_ROW];
  }
  return [ROOT_ROW, ...state.mounts.map(row)];
}

/**
 * `findmnt --json --output COLUMNS (--mountpoint PATH | --target PATH | --list)`: exit 1 and
 * no output when nothing matches.
 */
export function findmntCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("findmnt", args, {
    "--json": "flag",
    "--list": "flag",
    "--output": "value",
    "--mountpoint": "value",
    "--target": "value",
  }, { min: 0, max: 0 });
  if (!parsed.options.has("--json")) unsupported("findmnt: only --json output is implemented");
  const columns = optionValue(parsed, "--output")?.split(",");
  const mountpoint = optionValue(parsed, "--mountpoint");
  const target = optionValue(parsed, "--target");
  const forms = [mountpoint, target, parsed.options.get("--list")].filter((f) => f !== undefined);
  if (!columns || forms.length !== 1) {
    unsupported("findmnt: --output and one of --mountpoint, --target, --list are required");
  }
  for (const c of columns) {
    if (!COLUMNS.includes(c)) unsupported(`findmnt: column ${c} is not implemented`);
  }
  const matches = selectMounts(state, { mountpoint, target });
  if (matches.length === 0) return fail(1, "");
  const rows = matches.map((values) =>
    Object.fromEntries(columns.map((c) => [c.toLowerCase(), values[c]]))
  );
  return ok(findmntJson(rows));
}
