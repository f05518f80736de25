/**
 * Simulated `blkid -p -o export`, `mkfs.ext4` and `mkfs.xfs`, as util-linux 2.38,
 * e2fsprogs 1.47 and xfsprogs 6.1 behave with LC_ALL=C (outputs captured from the real
 * binaries on image files).
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import { optionValue, parseArgs, requireValue } from "./argv.ts";
import { fail, ok, resolveDevice, unsupported } from "./paths.ts";
import { type Filesystem, type HostState, newDir, type SimLv } from "./state.ts";
import { MKFS_XFS_USAGE } from "./xfs_usage.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MIB = 1024 ** 2;
/** mkfs.xfs refuses filesystems under 300 MiB (checked in 4 KiB blocks). */
export const XFS_MIN_BYTES = 300 * MIB;

function device(state: HostState, path: string): SimLv | undefined {
  if (!path.startsWith("/dev/")) unsupported(`${path} is not a device path`);
  const key = resolveDevice(state, path);
  return key ? state.lvs.get(key) : undefined;
}

function deviceBytes(state: HostState, lv: SimLv): number {
  return lv.extents * state.vgs.get(lv.vg)!.extentBytes;
}

function isMounted(state: HostState, lv: SimLv): boolean {
  return state.mounts.some((m) => m.lv === `${lv.vg}/${lv.name}`);
}

/** ext4's block size: mke2fs.conf's "small" type gives 1 KiB blocks below 512 MiB. */
export function ext4BlockBytes(fs: Pick<Filesystem, "sizeBytes" | "madeBytes">): number {
  return (fs.madeBytes ?? fs.sizeBytes) < 512 * MIB ? 1024 : 4096;
}

/** The values blkid's low-level probe reports for a signature, in its order. */
export function blkidValues(lv: SimLv): [string, string][] {
  const fs = lv.fs!;
  const values: [string, string][] = fs.uuid ? [["UUID", fs.uuid]] : [];
  if (fs.type === "ext4") {
    values.push(["VERSION", "1.0"], ["BLOCK_SIZE", String(ext4BlockBytes(fs))]);
  } else if (fs.type === "xfs") {
    values.push(["BLOCK_SIZE", "512"]);
  }
  const usage = fs.type === "crypto_LUKS" ? "crypto" : fs.type === "swap" ? "other" : "filesystem";
  values.push(["TYPE", fs.type], ["USAGE", usage]);
  return values;
}

/** `blkid -p -o export DEVICE`: exit 2 and no output for no signature or no device. */
export function blkidCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("blkid", args, { "-p": "flag", "-o": "value" }, { min: 1, max: 1 });
  if (!parsed.options.has("-p")) unsupported("blkid: only low-level probing (-p) is implemented");
  requireValue("blkid", parsed, "-o", ["export"]);
  const path = parsed.operands[0];
  const lv = device(state, path);
  if (!lv?.fs) return fail(2, "");
  const lines = [["DEVNAME", path], ...blkidValues(lv)].map(([k, v]) => `${k}=${v}\n`);
  return ok(lines.join(""));
}

/** `mkfs.ext4 -q -m PERCENT -U UUID DEVICE`: mke2fs overwrites silently when not on a tty. */
export function mkfsExt4Command(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("mkfs.ext4", args, { "-q": "flag", "-m": "value", "-U": "value" }, {
    min: 1,
    max: 1,
  });
  if (!parsed.options.has("-q")) unsupported("mkfs.ext4: only quiet mode (-q) is implemented");
  const reserved = optionValue(parsed, "-m");
  if (reserved !== undefined && !/^(\d|[1-4]\d|50)$/.test(reserved)) {
    unsupported(`mkfs.ext4: -m ${reserved} is not implemented`);
  }
  const path = parsed.operands[0];
  const given = optionValue(parsed, "-U") ?? "random";
  if (given === "time" || given === "clear") {
    unsupported(`mkfs.ext4: -U ${given} is not implemented`);
  }
  const uuid = given === "random" ? crypto.randomUUID() : given;
  if (!UUID.test(uuid)) return fail(1, `${path}: could not parse UUID: ${uuid}\n\n`);
  const lv = device(state, path);
  if (!lv) return fail(1, `The file ${path} does not exist and no size was specified.\n`);
  if (isMounted(state, lv)) {
    return fail(1, `${path} is mounted; will not make a filesystem here!\n`);
  }
  const root = newDir();
  root.entries.set("lost+found", newDir(0o700));
  lv.fs = { type: "ext4", uuid: uuid.toLowerCase(), sizeBytes: deviceBytes(state, lv), root };
  return ok();
}

/** `mkfs.xfs -q [-f] -m uuid=UUID DEVICE` */
export function mkfsXfsCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("mkfs.xfs", args, { "-q": "flag", "-f": "flag", "-m": "value" }, {
    min: 1,
    max: 1,
  });
  if (!parsed.options.has("-q")) unsupported("mkfs.xfs: only quiet mode (-q) is implemented");
  const meta = optionValue(parsed, "-m");
  if (meta === undefined || !meta.startsWith("uuid=") || meta.includes(",")) {
    unsupported("mkfs.xfs: -m uuid=UUID (and no other -m option) is required");
  }
  const uuid = meta.slice("uuid=".length);
  const path = parsed.operands[0];
  if (!UUID.test(uuid)) {
    return fail(1, `Invalid value ${uuid} for -m uuid option\n${MKFS_XFS_USAGE}`);
  }
  const lv = device(state, path);
  if (!lv) {
    return fail(
      1,
      `Error accessing specified device ${path}: No such file or directory\n${MKFS_XFS_USAGE}`,
    );
  }
  if (isMounted(state, lv)) {
    return fail(1, `mkfs.xfs: ${path} contains a mounted filesystem\n${MKFS_XFS_USAGE}`);
  }
  if (lv.fs && !parsed.options.has("-f")) {
    return fail(
      1,
      `mkfs.xfs: ${path} appears to contain an existing filesystem (${lv.fs.type}).\n` +
        "mkfs.xfs: Use the -f option to force overwrite.\n",
    );
  }
  const bytes = deviceBytes(state, lv);
  if (Math.floor(bytes / 4096) < XFS_MIN_BYTES / 4096) {
    return fail(1, `Filesystem must be larger than 300MB.\n${MKFS_XFS_USAGE}`);
  }
  lv.fs = { type: "xfs", uuid: uuid.toLowerCase(), sizeBytes: bytes, root: newDir() };
  return ok();
}
