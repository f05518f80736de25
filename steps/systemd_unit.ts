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
 * The unit file. `WantedBy` (not `RequiredBy`) keeps one broken volume from stopping the
 * kubelet or the boot; `Before=kubelet.service` makes the kubelet wait for the mount.
 */
export function unitText(v: VolumeSpec): string {
  return [
    `# Installed by local-lvm for claim ${v.claim.namespace}/${v.claim.name} (${v.pvName}).`,
    "# Removed when the volume is deleted.",
    "[Unit]",
    `Description=local-lvm volume ${v.pvName} for ${v.claim.namespace}/${v.claim.name}`,
    "Before=kubelet.service",
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
  describe: (v) => `Install and enable ${unitPath(v)} to mount ${v.mountPoint} at boot`,
  describeUndo: (v) => `Disable and remove ${unitPath(v)}`,

  async do(v, { exec }) {
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
    await runChecked(exec, ["systemctl", "daemon-reload"]);
  },
};
