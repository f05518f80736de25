/**
 * Small predicates that classify a {@link CommandError} by its binary, exit code and
 * stderr, so steps can say "already gone" or "busy" without scraping text themselves.
 * The texts are the real tools' (lvm2 2.03, util-linux 2.38, coreutils 9, systemd 252)
 * under LC_ALL=C, which the executors always set.
 *
 * @module
 */

import { CommandError } from "./executor.ts";

function match(error: unknown, bins: readonly string[], code: number | null, re: RegExp): boolean {
  if (!(error instanceof CommandError)) return false;
  if (!bins.includes(error.argv[0] ?? "")) return false;
  if (code !== null && error.code !== code) return false;
  return re.test(error.stderr);
}

const LVM = ["lvs", "vgs", "lvcreate", "lvremove", "lvextend"];
const LVM_FAILED = 5;
const MOUNT_FAILED = 32;

/**
 * An LV named in the command does not exist.
 *
 * @example
 * ```ts
 * import { CommandError } from "./executor.ts";
 * import { isLvNotFound } from "./errors.ts";
 * const e = new CommandError(["lvremove", "--yes", "vg0/a"], 5,
 *   '  Failed to find logical volume "vg0/a"\n');
 * if (!isLvNotFound(e)) throw new Error("not classified");
 * ```
 */
export function isLvNotFound(error: unknown): boolean {
  return match(error, LVM, LVM_FAILED, /Failed to find logical volume "/);
}

/** A VG named in the command does not exist. */
export function isVgNotFound(error: unknown): boolean {
  return match(error, LVM, LVM_FAILED, /Volume group "[^"]*" not found/);
}

/** The VG has not enough free extents (lvcreate or lvextend). */
export function isVgFull(error: unknown): boolean {
  return match(
    error,
    LVM,
    LVM_FAILED,
    /has insufficient free space \(\d+ extents\)|Insufficient free space: \d+ extents needed/,
  );
}

/** lvcreate found an LV of that name already in the VG. */
export function isLvExists(error: unknown): boolean {
  return match(error, ["lvcreate"], LVM_FAILED, /Logical Volume "[^"]*" already exists in/);
}

/** umount found nothing mounted there (or no such path at all). */
export function isNotMounted(error: unknown): boolean {
  return match(
    error,
    ["umount"],
    MOUNT_FAILED,
    /: not mounted\.?$|: no mount point specified\.?$/m,
  );
}

/** A mount point or LV is in use: umount, rmdir or lvremove refused. */
export function isBusy(error: unknown): boolean {
  return match(error, ["umount"], MOUNT_FAILED, /: target is busy/) ||
    match(error, ["rmdir", "rm"], 1, /: Device or resource busy$/m) ||
    match(
      error,
      ["lvremove"],
      LVM_FAILED,
      /contains a filesystem in use|is used by another device/,
    );
}

/** A path the command needed does not exist (coreutils-style ENOENT). */
export function isNoSuchFile(error: unknown): boolean {
  return match(error, ["mkdir", "rmdir", "tee", "rm"], 1, /: No such file or directory$/m);
}

/** rmdir found the directory not empty. */
export function isDirNotEmpty(error: unknown): boolean {
  return match(error, ["rmdir"], 1, /: Directory not empty$/m);
}

/** systemctl found no unit file of that name. */
export function isUnitFileMissing(error: unknown): boolean {
  return match(
    error,
    ["systemctl"],
    null,
    /Unit file \S+ does not exist\.|Failed to get unit file state for \S+: No such file or directory/,
  );
}
