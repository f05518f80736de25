/**
 * Step 4: install and enable a systemd `.mount` unit that mounts the volume again at
 * boot, after LVM has activated it and before the kubelet starts, so pods never start
 * on an empty directory after a reboot.
 *
 * It runs before the mount step on purpose: the unit file is on disk when `mount` runs, so
 * systemd, which loads a mount unit when the mount appears, loads it from our file (with
 * `Before=kubelet.service`) and `systemctl enable --no-reload` is enough. No daemon-reload
 * is needed while provisioning (each one re-runs every generator: 1.3-2.7 s in the test
 * guest). Mounted first, systemd would have loaded the unit from /proc/self/mountinfo
 * without our file, and only a daemon-reload would fix that. The enablement links are read
 * at the next boot or reload; that is when they matter.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ProvisionDeps } from "../src/provision/deps.ts";
import { runChecked } from "../src/host/executor.ts";
import type { VolumeSpec } from "../src/volume.ts";
import { devicePath } from "./mkfs.ts";

/** Where unit files of ours live on the node. */
export const UNIT_DIR = "/etc/systemd/system";

/** The unit file's path. */
export function unitPath(v: Pick<VolumeSpec, "unitName">): string {
  return `${UNIT_DIR}/${v.unitName}`;
}

/**
 * The name of the service that activates the volume's LV at boot, after its mount unit's:
 * `volumes-pvc\x2d1.mount` goes with `local-lvm-activate-volumes-pvc\x2d1.service`. Every
 * spec has the mount unit's name, also those rebuilt from a PV alone, so teardown always
 * finds both.
 */
export function activationUnitName(v: Pick<VolumeSpec, "unitName">): string {
  return `local-lvm-activate-${v.unitName.replace(/\.mount$/, "")}.service`;
}

/** The activation service's path. */
export function activationUnitPath(v: Pick<VolumeSpec, "unitName">): string {
  return `${UNIT_DIR}/${activationUnitName(v)}`;
}

/**
 * The activation service. LVM activates LVs at boot by itself, from udev events; in 1 of
 * about 22 reboots of the test guest one VG was left inactive, and its mount never came.
 * This activates the LV once udev has handled the devices present at boot (after
 * systemd-udev-settle, as lvm2's own non-event activation does), whatever the events did;
 * for an active LV it is a no-op. It ends when done (no RemainAfterExit), so nothing of it
 * stays loaded after the boot.
 */
export function activationUnitText(v: VolumeSpec): string {
  return [
    `# Installed by local-lvm for claim ${v.claim.namespace}/${v.claim.name} (${v.pvName}).`,
    "# Activates the logical volume at boot, before its .mount unit mounts it, should",
    "# LVM's own autoactivation miss it. Removed when the volume is deleted.",
    "[Unit]",
    `Description=local-lvm: activate logical volume ${v.vg}/${v.pvName}`,
    "DefaultDependencies=no",
    "Wants=systemd-udev-settle.service",
    "After=systemd-udev-settle.service",
    "Before=shutdown.target",
    "Conflicts=shutdown.target",
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=lvm lvchange --activate y ${v.vg}/${v.pvName}`,
    "",
  ].join("\n");
}

/**
 * The unit file. `WantedBy` (not `RequiredBy`) keeps one broken volume from stopping the
 * kubelet or the boot; `Before=kubelet.service` makes the kubelet wait for the mount.
 * `What=` a device path gives it `BindsTo=` and `After=` that device; the activation
 * service makes sure the device comes.
 */
export function unitText(v: VolumeSpec): string {
  return [
    `# Installed by local-lvm for claim ${v.claim.namespace}/${v.claim.name} (${v.pvName}).`,
    "# Removed when the volume is deleted.",
    "[Unit]",
    `Description=local-lvm volume ${v.pvName} for ${v.claim.namespace}/${v.claim.name}`,
    "Before=kubelet.service",
    `Wants=${activationUnitName(v)}`,
    `After=${activationUnitName(v)}`,
    "",
    "[Mount]",
    `What=${devicePath(v)}`,
    `Where=${v.mountPoint}`,
    `Type=${v.fsType}`,
    `Options=${v.mountOptions.length > 0 ? v.mountOptions.join(",") : "defaults"}`,
    "",
    "[Install]",
    "WantedBy=local-fs.target kubelet.service",
    "",
  ].join("\n");
}

export const systemdUnit: Step<VolumeSpec, ProvisionDeps> = {
  name: "systemd-unit",
  describe: (v) =>
    `Install and enable ${unitPath(v)} to mount ${v.mountPoint} at boot, and ` +
    `${activationUnitName(v)} to activate its LV first`,
  describeUndo: (v) => `Disable and remove ${unitPath(v)} and ${activationUnitName(v)}`,

  // The service first: the mount unit wants it, and systemd may load the mount unit as soon
  // as the mount unit's file exists.
  async do(v, { exec }) {
    await runChecked(exec, ["tee", activationUnitPath(v)], { stdin: activationUnitText(v) });
    await runChecked(exec, ["tee", unitPath(v)], { stdin: unitText(v) });
    await runChecked(exec, ["systemctl", "enable", "--no-reload", v.unitName]);
  },

  // Runs after the mount step's undo (unmounted), so one reload at the end drops the unit
  // from systemd's memory; without it systemd would keep it loaded from a deleted file.
  async undo(v, { exec }) {
    const disable = ["systemctl", "disable", "--no-reload", v.unitName];
    const result = await exec.run(disable);
    if (result.code !== 0 && !/does not exist/.test(result.stderr)) {
      await runChecked(exec, disable);
    }
    await runChecked(exec, ["rm", "-f", unitPath(v)]);
    await runChecked(exec, ["rm", "-f", activationUnitPath(v)]);
    await runChecked(exec, ["systemctl", "daemon-reload"]);
  },
};
