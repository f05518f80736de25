/**
 * The command script guest_test.ts runs against real lvm2, e2fsprogs, xfsprogs, util-linux
 * and systemd. It is one ordered story (each step sees the state the earlier ones left), so
 * it covers the contract's success forms and its error cases in the states that cause them.
 * Each step's exact result is kept in real_outputs.json for the simulated host's fidelity.
 *
 * @module
 */

import { lvcreateArgvFor } from "../../../steps/lvcreate.ts";

/** One command and the exit code the contract expects of it. */
export interface CommandCase {
  name: string;
  argv: string[];
  stdin?: string;
  code: number;
}

/** A clean poweroff and a fresh boot on the same disks. */
export interface RebootCase {
  reboot: true;
}

/** One step of the script. */
export type Step = CommandCase | RebootCase;

/** The disks the script needs, in the order they appear as /dev/vdb, /dev/vdc. */
export const DISKS = [{ name: "d0", sizeMiB: 1024 }, { name: "d1", sizeMiB: 512 }];
/** The volume groups made on them before the script runs (a dash, to see dm-name escaping). */
export const GROUPS = [{ name: "vg0", disk: "/dev/vdb" }, { name: "vg-data", disk: "/dev/vdc" }];

const VGS = [
  "vgs",
  "--reportformat",
  "json",
  "--units",
  "b",
  "--nosuffix",
  "-o",
  "vg_name,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count",
];
const LVS = [
  "lvs",
  "--reportformat",
  "json",
  "--units",
  "b",
  "--nosuffix",
  "-o",
  "lv_name,vg_name,lv_size,lv_tags,lv_path,lv_attr",
];
const FINDMNT = ["findmnt", "--json", "--output", "TARGET,SOURCE,FSTYPE,OPTIONS", "--mountpoint"];
const BLKID = ["blkid", "-p", "-o", "export"];
const TAG = "local-lvm-provisioner";
const lvcreate = (vg: string, lv: string, bytes: number, tags: string[] = [TAG]) =>
  lvcreateArgvFor(vg, lv, bytes, tags);

/** UUIDs are fixed so the recorded outputs are the same on every run. */
export const EXT4_UUID = "0b6d9b5e-6f7a-4c1e-9a53-2d4c8e1f7a10";
export const XFS_UUID = "5c3f1a2b-8d4e-4f6a-b7c8-9e0d1f2a3b4c";
/** systemd's name for the mount unit of /data/pvc-1 (`systemd-escape --path`). */
export const UNIT = "data-pvc\\x2d1.mount";
/** The activation service the systemd-unit step installs beside the mount unit. */
export const ACTIVATION_UNIT = "local-lvm-activate-data-pvc\\x2d1.service";
export const ACTIVATION_UNIT_TEXT = `[Unit]
Description=local-lvm: activate logical volume vg0/pvc-1
DefaultDependencies=no
Wants=systemd-udev-settle.service
After=systemd-udev-settle.service
Before=shutdown.target
Conflicts=shutdown.target

[Service]
Type=oneshot
ExecStart=lvm lvchange --activate y vg0/pvc-1
`;
// As the step writes it: without the activation service, LVM's own autoactivation at boot
// misses an LV now and then (seen here too), and the mount after the reboot never comes.
export const UNIT_TEXT = `[Unit]
Description=local-lvm volume vg0/pvc-1
Wants=${ACTIVATION_UNIT}
After=${ACTIVATION_UNIT}

[Mount]
What=/dev/vg0/pvc-1
Where=/data/pvc-1
Type=ext4
Options=defaults

[Install]
WantedBy=local-fs.target
`;

/** The script; names are unique and become the keys of real_outputs.json. */
export const STEPS: Step[] = [
  { name: "vgs_all", argv: VGS, code: 0 },
  { name: "vgs_named", argv: [...VGS, "vg0"], code: 0 },
  { name: "vgs_missing", argv: [...VGS, "vg0", "vgX"], code: 5 },
  { name: "lvs_empty", argv: LVS, code: 0 },
  {
    name: "lvcreate",
    argv: lvcreate("vg0", "pvc-1", 8388608, [TAG, "mount=/data/pvc-1", "pvname=default-c1"]),
    code: 0,
  },
  // lvm wants whole 512-byte sectors before it rounds up to extents.
  { name: "lvcreate_not_sectors", argv: lvcreate("vg-data", "pvc-round", 10485761), code: 3 },
  { name: "lvcreate_rounding", argv: lvcreate("vg-data", "pvc-round", 10486272), code: 0 },
  { name: "lvcreate_exists", argv: lvcreate("vg0", "pvc-1", 8388608), code: 5 },
  { name: "lvcreate_vg_missing", argv: lvcreate("vgX", "pvc-2", 8388608), code: 5 },
  { name: "lvcreate_vg_full", argv: lvcreate("vg0", "pvc-2", 2147483648), code: 5 },
  { name: "lvcreate_bad_name", argv: lvcreate("vg0", "pvc 2", 8388608), code: 3 },
  { name: "lvcreate_bad_tag", argv: lvcreate("vg0", "pvc-2", 8388608, ["bad tag"]), code: 3 },
  { name: "lvs_all", argv: LVS, code: 0 },
  { name: "lvs_select", argv: [...LVS, "--select", "lv_name=pvc-1"], code: 0 },
  { name: "lvs_select_none", argv: [...LVS, "--select", "lv_name=nope"], code: 0 },
  { name: "lvs_tag", argv: [...LVS, `@${TAG}`], code: 0 },
  { name: "lvs_named", argv: [...LVS, "vg0/pvc-1"], code: 0 },
  { name: "lvs_named_missing", argv: [...LVS, "vg0/nope"], code: 5 },
  { name: "blkid_no_signature", argv: [...BLKID, "/dev/vg0/pvc-1"], code: 2 },
  { name: "blkid_missing_device", argv: [...BLKID, "/dev/vg0/nope"], code: 2 },
  {
    name: "mkfs_ext4",
    argv: ["mkfs.ext4", "-q", "-m", "0", "-U", EXT4_UUID, "/dev/vg0/pvc-1"],
    code: 0,
  },
  { name: "blkid_ext4", argv: [...BLKID, "/dev/vg0/pvc-1"], code: 0 },
  {
    name: "mkfs_xfs_over_ext4",
    argv: ["mkfs.xfs", "-q", "-m", `uuid=${XFS_UUID}`, "/dev/vg0/pvc-1"],
    code: 1,
  },
  {
    name: "mkfs_xfs_too_small",
    argv: ["mkfs.xfs", "-q", "-m", `uuid=${XFS_UUID}`, "/dev/vg-data/pvc-round"],
    code: 1,
  },
  { name: "lvcreate_small", argv: lvcreate("vg-data", "pvc-small", 104857600), code: 0 },
  {
    name: "mkfs_xfs_under_300mb",
    argv: ["mkfs.xfs", "-q", "-m", `uuid=${XFS_UUID}`, "/dev/vg-data/pvc-small"],
    code: 1,
  },
  { name: "lvremove_small", argv: ["lvremove", "--yes", "vg-data/pvc-small"], code: 0 },
  { name: "lvcreate_xfs", argv: lvcreate("vg0", "pvc-xfs", 314572800), code: 0 },
  {
    name: "mkfs_xfs",
    argv: ["mkfs.xfs", "-q", "-m", `uuid=${XFS_UUID}`, "/dev/vg0/pvc-xfs"],
    code: 0,
  },
  { name: "blkid_xfs", argv: [...BLKID, "/dev/vg0/pvc-xfs"], code: 0 },
  { name: "mkdir_p", argv: ["mkdir", "-p", "/data/pvc-1"], code: 0 },
  { name: "mkdir_p_existing", argv: ["mkdir", "-p", "/data/pvc-1"], code: 0 },
  { name: "mkdir_p_mode", argv: ["mkdir", "-p", "-m", "0777", "/data/pvc-xfs"], code: 0 },
  { name: "stat_modes", argv: ["stat", "-c", "%a %n", "/data", "/data/pvc-xfs"], code: 0 },
  {
    name: "mount_wrong_fstype",
    argv: ["mount", "-t", "xfs", "/dev/vg0/pvc-1", "/data/pvc-1"],
    code: 32,
  },
  { name: "mount_ext4", argv: ["mount", "-t", "ext4", "/dev/vg0/pvc-1", "/data/pvc-1"], code: 0 },
  {
    name: "mount_already_mounted",
    argv: ["mount", "-t", "ext4", "/dev/vg0/pvc-1", "/data/pvc-1"],
    code: 32,
  },
  {
    name: "mount_no_mountpoint",
    argv: ["mount", "-t", "ext4", "/dev/vg0/pvc-1", "/data/missing"],
    code: 32,
  },
  {
    name: "mount_no_device",
    argv: ["mount", "-t", "ext4", "/dev/vg0/nope", "/data/pvc-xfs"],
    code: 32,
  },
  {
    name: "mount_xfs_options",
    argv: ["mount", "-t", "xfs", "-o", "noatime", "/dev/vg0/pvc-xfs", "/data/pvc-xfs"],
    code: 0,
  },
  { name: "findmnt_ext4", argv: [...FINDMNT, "/data/pvc-1"], code: 0 },
  { name: "findmnt_xfs", argv: [...FINDMNT, "/data/pvc-xfs"], code: 0 },
  { name: "findmnt_not_mounted", argv: [...FINDMNT, "/data/missing"], code: 1 },
  { name: "lvs_open", argv: LVS, code: 0 },
  { name: "vgs_used", argv: VGS, code: 0 },
  { name: "tee_file", argv: ["tee", "/data/pvc-1/hello.txt"], stdin: "hello\nworld\n", code: 0 },
  { name: "tee_missing_parent", argv: ["tee", "/data/nope/x.txt"], stdin: "x\n", code: 1 },
  { name: "rmdir_mountpoint_busy", argv: ["rmdir", "/data/pvc-1"], code: 1 },
  { name: "lvremove_in_use", argv: ["lvremove", "--yes", "vg0/pvc-1"], code: 5 },
  {
    name: "hold_busy",
    argv: [
      "systemd-run",
      "--unit",
      "hold-busy",
      "--working-directory=/data/pvc-1",
      "sleep",
      "1000",
    ],
    code: 0,
  },
  { name: "umount_busy", argv: ["umount", "/data/pvc-1"], code: 32 },
  { name: "release_busy", argv: ["systemctl", "stop", "hold-busy"], code: 0 },
  { name: "lvextend", argv: ["lvextend", "--yes", "--size", "16777216b", "vg0/pvc-1"], code: 0 },
  { name: "resize2fs_online", argv: ["resize2fs", "/dev/vg0/pvc-1"], code: 0 },
  {
    name: "lvextend_not_larger",
    argv: ["lvextend", "--yes", "--size", "8388608b", "vg0/pvc-1"],
    code: 5,
  },
  {
    name: "lvextend_xfs",
    argv: ["lvextend", "--yes", "--size", "335544320b", "vg0/pvc-xfs"],
    code: 0,
  },
  { name: "xfs_growfs", argv: ["xfs_growfs", "/data/pvc-xfs"], code: 0 },
  { name: "umount_xfs", argv: ["umount", "/data/pvc-xfs"], code: 0 },
  { name: "umount_not_mounted", argv: ["umount", "/data/pvc-xfs"], code: 32 },
  { name: "mkdir_sub", argv: ["mkdir", "-p", "/data/pvc-xfs/sub"], code: 0 },
  { name: "rmdir_not_empty", argv: ["rmdir", "/data/pvc-xfs"], code: 1 },
  { name: "rmdir_sub", argv: ["rmdir", "/data/pvc-xfs/sub"], code: 0 },
  { name: "rmdir", argv: ["rmdir", "/data/pvc-xfs"], code: 0 },
  { name: "rmdir_missing", argv: ["rmdir", "/data/pvc-xfs"], code: 1 },
  { name: "lvremove", argv: ["lvremove", "--yes", "vg0/pvc-xfs"], code: 0 },
  { name: "lvremove_missing", argv: ["lvremove", "--yes", "vg0/pvc-xfs"], code: 5 },
  { name: "rm_f_absent", argv: ["rm", "-f", "/etc/systemd/system/nope.mount"], code: 0 },
  {
    name: "systemd_escape",
    argv: ["systemd-escape", "--path", "--suffix=mount", "/data/pvc-1"],
    code: 0,
  },
  {
    name: "tee_activation_unit",
    argv: ["tee", `/etc/systemd/system/${ACTIVATION_UNIT}`],
    stdin: ACTIVATION_UNIT_TEXT,
    code: 0,
  },
  { name: "tee_unit", argv: ["tee", `/etc/systemd/system/${UNIT}`], stdin: UNIT_TEXT, code: 0 },
  { name: "daemon_reload", argv: ["systemctl", "daemon-reload"], code: 0 },
  { name: "is_enabled_disabled", argv: ["systemctl", "is-enabled", UNIT], code: 1 },
  { name: "enable", argv: ["systemctl", "enable", UNIT], code: 0 },
  { name: "enable_again", argv: ["systemctl", "enable", UNIT], code: 0 },
  { name: "is_enabled_enabled", argv: ["systemctl", "is-enabled", UNIT], code: 0 },
  // The enabled unit must mount the LV again at boot: udev activates the LV, systemd mounts.
  { reboot: true },
  { name: "findmnt_after_reboot", argv: [...FINDMNT, "/data/pvc-1"], code: 0 },
  { name: "is_active_after_reboot", argv: ["systemctl", "is-active", UNIT], code: 0 },
  { name: "cat_after_reboot", argv: ["cat", "/data/pvc-1/hello.txt"], code: 0 },
  { name: "umount_unit_mount", argv: ["umount", "/data/pvc-1"], code: 0 },
  { name: "disable", argv: ["systemctl", "disable", UNIT], code: 0 },
  { name: "disable_again", argv: ["systemctl", "disable", UNIT], code: 0 },
  // What the systemd-unit step runs: links only, no reload.
  { name: "enable_no_reload", argv: ["systemctl", "enable", "--no-reload", UNIT], code: 0 },
  { name: "disable_no_reload", argv: ["systemctl", "disable", "--no-reload", UNIT], code: 0 },
  { name: "is_enabled_after_disable", argv: ["systemctl", "is-enabled", UNIT], code: 1 },
  { name: "rm_unit", argv: ["rm", "-f", `/etc/systemd/system/${UNIT}`], code: 0 },
  {
    name: "rm_activation_unit",
    argv: ["rm", "-f", `/etc/systemd/system/${ACTIVATION_UNIT}`],
    code: 0,
  },
  { name: "daemon_reload_2", argv: ["systemctl", "daemon-reload"], code: 0 },
  { name: "is_enabled_missing", argv: ["systemctl", "is-enabled", UNIT], code: 1 },
  { name: "enable_missing", argv: ["systemctl", "enable", UNIT], code: 1 },
  { name: "disable_missing", argv: ["systemctl", "disable", UNIT], code: 1 },
  {
    name: "disable_no_reload_missing",
    argv: ["systemctl", "disable", "--no-reload", UNIT],
    code: 1,
  },
  { name: "lvremove_ext4", argv: ["lvremove", "--yes", "vg0/pvc-1"], code: 0 },
  { name: "lvremove_dash", argv: ["lvremove", "--yes", "vg-data/pvc-round"], code: 0 },
  { name: "lvs_final", argv: LVS, code: 0 },
];
