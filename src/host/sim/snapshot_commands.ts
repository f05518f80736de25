/**
 * Simulated old-style (copy-on-write) LVM snapshots, as lvm2 2.03.16 makes them:
 * `lvcreate --snapshot` freezes a copy of the origin's filesystem, every later write to the
 * origin uses up COW space in 4 KiB chunks, and a snapshot whose COW area overflows turns
 * invalid (lv_attr state `I`, data_percent 100.00) and can no longer be read.
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import { optionValue, parseArgs } from "./argv.ts";
import {
  ECMD_FAILED,
  EINVALID_CMD_LINE,
  lvmLines,
  lvNameError,
  parseLvmSize,
  vgNotFound,
} from "./lvm_rules.ts";
import { allocateLv, checkOptionValues } from "./lv_allocate.ts";
import { fail, isUnder, unsupported } from "./paths.ts";
import { type HostState, lvKey, snapshotsOf } from "./state.ts";

/** lvm's default snapshot chunk size: the unit the COW area fills by. */
export const SNAPSHOT_CHUNK_BYTES = 4096;

/** True when `lvcreate` was asked for a snapshot (`-s` or `--snapshot`). */
export function isSnapshotCreate(args: readonly string[]): boolean {
  return args.includes("--snapshot") || args.includes("-s");
}

/** `lvcreate [--yes] --snapshot --name SNAP --size SIZE [--addtag TAG ...] VG/ORIGIN` */
export function lvcreateSnapshotCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("lvcreate", args.map((a) => (a === "-s" ? "--snapshot" : a)), {
    "--yes": "flag",
    "--snapshot": "flag",
    "--name": "value",
    "--size": "value",
    "--addtag": "repeat",
  }, { min: 1, max: 1 });
  const name = optionValue(parsed, "--name");
  const size = optionValue(parsed, "--size");
  if (name === undefined || size === undefined) {
    unsupported("lvcreate --snapshot: --name and --size are required");
  }
  const parts = parsed.operands[0].split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    unsupported("lvcreate --snapshot: the operand must be VG/ORIGIN");
  }
  const [vgName, originName] = parts;
  const badValue = checkOptionValues(args);
  if (badValue) return badValue;
  const bytes = parseLvmSize(size);
  const nameError = lvNameError(name);
  if (nameError) {
    return fail(
      EINVALID_CMD_LINE,
      lvmLines(nameError, "Run `lvcreate --help' for more information."),
    );
  }
  const vg = state.vgs.get(vgName);
  if (!vg) return fail(ECMD_FAILED, vgNotFound(vgName));
  const origin = state.lvs.get(lvKey(vgName, originName));
  if (!origin) {
    return fail(
      ECMD_FAILED,
      lvmLines(`Snapshot origin LV ${originName} not found in Volume group ${vgName}.`),
    );
  }
  if (origin.snapshot) {
    return fail(ECMD_FAILED, lvmLines("Snapshots of snapshots are not supported."));
  }
  return allocateLv(state, vg, name, bytes, parsed.options.get("--addtag") ?? [], {
    // The origin is frozen for the instant of the copy, so the snapshot holds exactly this.
    fs: structuredClone(origin.fs),
    snapshot: { origin: originName, cowUsedBytes: 0, invalid: false },
  });
}

/**
 * Accounts a write of `bytes` at `path` to the COW areas of the snapshots of the LV mounted
 * there; a snapshot that runs out of COW space becomes invalid, as the kernel's dm-snapshot
 * target makes it; dmeventd then unmounts it (`umount -l`), as lvm2's monitoring does.
 */
export function chargeWrite(state: HostState, path: string, bytes: number): void {
  const holder = state.mounts
    .filter((m) => isUnder(path, m.target))
    .reduce<{ target: string; lv: string } | undefined>(
      (best, m) => (!best || m.target.length >= best.target.length ? m : best),
      undefined,
    );
  if (!holder) return;
  const chunks = Math.max(1, Math.ceil(bytes / SNAPSHOT_CHUNK_BYTES));
  for (const snap of snapshotsOf(state, holder.lv)) {
    const info = snap.snapshot!;
    if (info.invalid) continue;
    const cowBytes = snap.extents * state.vgs.get(snap.vg)!.extentBytes;
    info.cowUsedBytes += chunks * SNAPSHOT_CHUNK_BYTES;
    if (info.cowUsedBytes > cowBytes) {
      info.cowUsedBytes = cowBytes;
      info.invalid = true;
      // dmeventd's snapshot monitor lazily unmounts a snapshot that went invalid.
      const key = lvKey(snap.vg, snap.name);
      state.mounts = state.mounts.filter((m) => m.lv !== key);
    }
  }
}
