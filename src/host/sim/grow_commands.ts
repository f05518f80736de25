/**
 * Simulated online growth of a mounted filesystem: `resize2fs DEVICE` (e2fsprogs 1.47) and
 * `xfs_growfs MOUNTPOINT` (xfsprogs 6.1), each growing the filesystem to fill its LV, with
 * the real tools' messages in the C locale (captured in tests/infra/guest/real_outputs.json).
 *
 * @module
 */

import type { CommandResult } from "../executor.ts";
import { parseArgs } from "./argv.ts";
import { ext4BlockBytes } from "./blockdev_commands.ts";
import { fail, normalizePath, ok, resolveDevice, unsupported } from "./paths.ts";
import type { Filesystem, HostState, SimLv } from "./state.ts";

const RESIZE2FS_BANNER = "resize2fs 1.47.0 (5-Feb-2023)\n";
const XFS_BLOCK = 4096;
/** mkfs.xfs gives a filesystem under 1 GiB four allocation groups and a 64 MiB log. */
const XFS_AGCOUNT = 4;
const XFS_LOG_BLOCKS = 16384;

function lvBytes(state: HostState, lv: SimLv): number {
  return lv.extents * state.vgs.get(lv.vg)!.extentBytes;
}

/** `resize2fs DEVICE`: grows an ext4 filesystem to its device's size (online when mounted). */
export function resize2fsCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("resize2fs", args, {}, { min: 1, max: 1 });
  const path = parsed.operands[0];
  if (!path.startsWith("/dev/")) unsupported(`resize2fs: ${path} is not a device path`);
  const key = resolveDevice(state, path);
  const lv = key ? state.lvs.get(key) : undefined;
  if (!lv) {
    return fail(
      1,
      RESIZE2FS_BANNER +
        `open: No such file or directory while opening ${path}\n`,
    );
  }
  if (lv.fs?.type !== "ext4") {
    return fail(
      1,
      RESIZE2FS_BANNER +
        `resize2fs: Bad magic number in super-block while trying to open ${path}\n` +
        "Couldn't find valid filesystem superblock.\n",
    );
  }
  const fs: Filesystem = lv.fs;
  const block = ext4BlockBytes(fs);
  const blocks = Math.floor(lvBytes(state, lv) / block);
  const unit = `(${block / 1024}k)`;
  if (blocks === fs.sizeBytes / block) {
    return ok(
      "",
      RESIZE2FS_BANNER +
        `The filesystem is already ${blocks} ${unit} blocks long.  Nothing to do!\n\n`,
    );
  }
  if (blocks < fs.sizeBytes / block) unsupported("resize2fs: shrinking is not implemented");
  const mount = state.mounts.find((m) => m.lv === key);
  if (!mount) {
    return fail(1, RESIZE2FS_BANNER + `Please run 'e2fsck -f ${path}' first.\n\n`);
  }
  fs.madeBytes ??= fs.sizeBytes;
  fs.sizeBytes = blocks * block;
  return ok(
    `Filesystem at ${path} is mounted on ${mount.target}; on-line resizing required\n` +
      "old_desc_blocks = 1, new_desc_blocks = 1\n" +
      `The filesystem on ${path} is now ${blocks} ${unit} blocks long.\n\n`,
    RESIZE2FS_BANNER,
  );
}

/** The geometry xfs_growfs prints before growing (as xfs_info shows it). */
function xfsGeometry(device: string, fs: Filesystem): string {
  const made = fs.madeBytes ?? fs.sizeBytes;
  const agsize = Math.ceil(made / XFS_BLOCK / XFS_AGCOUNT);
  const blocks = fs.sizeBytes / XFS_BLOCK;
  return [
    `meta-data=${device} isize=512    agcount=${XFS_AGCOUNT}, agsize=${agsize} blks`,
    "         =                       sectsz=512   attr=2, projid32bit=1",
    "         =                       crc=1        finobt=1, sparse=1, rmapbt=0",
    "         =                       reflink=1    bigtime=1 inobtcount=1 nrext64=0",
    `data     =                       bsize=4096   blocks=${blocks}, imaxpct=25`,
    "         =                       sunit=0      swidth=0 blks",
    "naming   =version 2              bsize=4096   ascii-ci=0, ftype=1",
    `log      =internal log           bsize=4096   blocks=${XFS_LOG_BLOCKS}, version=2`,
    "         =                       sectsz=512   sunit=0 blks, lazy-count=1",
    "realtime =none                   extsz=4096   blocks=0, rtextents=0",
    "",
  ].join("\n");
}

/** `xfs_growfs MOUNTPOINT`: grows the mounted xfs filesystem's data section to its LV's size. */
export function xfsGrowfsCommand(state: HostState, args: readonly string[]): CommandResult {
  const parsed = parseArgs("xfs_growfs", args, {}, { min: 1, max: 1 });
  const original = parsed.operands[0];
  const target = normalizePath(original);
  const mount = state.mounts.findLast((m) => m.target === target);
  const lv = mount && state.lvs.get(mount.lv);
  if (!mount || mount.fstype !== "xfs" || !lv?.fs) {
    return fail(1, `xfs_growfs: ${original} is not a mounted XFS filesystem\n`);
  }
  const fs = lv.fs;
  const [vg, name] = mount.lv.split("/");
  const device = `/dev/mapper/${vg.replaceAll("-", "--")}-${name.replaceAll("-", "--")}`;
  const geometry = xfsGeometry(device, fs);
  const oldBlocks = fs.sizeBytes / XFS_BLOCK;
  const newBlocks = Math.floor(lvBytes(state, lv) / XFS_BLOCK);
  if (newBlocks <= oldBlocks) return ok(geometry + "data size unchanged, skipping\n");
  // The size mkfs chose fixes the allocation groups; remember it before the size moves.
  fs.madeBytes ??= fs.sizeBytes;
  fs.sizeBytes = newBlocks * XFS_BLOCK;
  return ok(geometry + `data blocks changed from ${oldBlocks} to ${newBlocks}\n`);
}
