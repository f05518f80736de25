/**
 * Step 5: mount the filesystem at `<base path>/<pv name>` and create the `data`
 * directory inside it. The PV points at `data`, which exists only while the volume is
 * mounted, so a pod can never start on the root filesystem by mistake.
 *
 * @module
 */

import type { Step } from "../src/saga/types.ts";
import type { ProvisionDeps } from "../src/provision/deps.ts";
import { CommandError, runChecked } from "../src/host/executor.ts";
import { deviceMapperPath, findMount } from "../src/provision/node_queries.ts";
import type { VolumeSpec } from "../src/volume.ts";
import { devicePath } from "./mkfs.ts";

/** The exact `mount` argv for a volume. */
export function mountArgv(v: VolumeSpec): string[] {
  const options = v.mountOptions.length > 0 ? ["-o", v.mountOptions.join(",")] : [];
  return ["mount", "-t", v.fsType, ...options, devicePath(v), v.mountPoint];
}

function isOurDevice(v: VolumeSpec, source: string): boolean {
  return source === devicePath(v) || source === deviceMapperPath(v.vg, v.pvName);
}

export const mount: Step<VolumeSpec, ProvisionDeps> = {
  name: "mount",
  describe: (v) => `Mount ${devicePath(v)} at ${v.mountPoint} and create ${v.hostPath} inside it`,
  describeUndo: (v) => `Unmount ${v.mountPoint} and remove the empty mount point`,

  async do(v, { exec }) {
    await runChecked(exec, ["mkdir", "-p", v.mountPoint]);
    const mounted = await findMount(exec, v.mountPoint);
    if (!mounted) {
      await runChecked(exec, mountArgv(v));
    } else if (!isOurDevice(v, mounted.source)) {
      throw new Error(
        `${v.mountPoint} already has ${mounted.source} mounted on it, not ${devicePath(v)}`,
      );
    }
    // World-writable like local-path-provisioner's volumes: pods run as any uid.
    if (v.hostPath !== v.mountPoint) {
      await runChecked(exec, ["mkdir", "-p", "-m", "0777", v.hostPath]);
    }
  },

  async undo(v, { exec }) {
    const mounted = await findMount(exec, v.mountPoint);
    if (mounted && isOurDevice(v, mounted.source)) {
      const argv = ["umount", v.mountPoint];
      const result = await exec.run(argv);
      if (result.code !== 0) {
        if (/target is busy/.test(result.stderr)) {
          throw new Error(
            `Mount point ${v.mountPoint} on node ${v.node} is busy: a process still uses it, ` +
              `so ${v.pvName} cannot be unmounted yet; will retry`,
            { cause: new CommandError(argv, result.code, result.stderr, result.stdout) },
          );
        }
        throw new CommandError(argv, result.code, result.stderr, result.stdout);
      }
    }
    // rmdir, never rm -r: if anything was written under the bare mount point on the
    // root filesystem, it stays there and we say so.
    const argv = ["rmdir", v.mountPoint];
    const result = await exec.run(argv);
    if (result.code === 0 || /No such file or directory/.test(result.stderr)) return;
    if (/Directory not empty/.test(result.stderr)) {
      throw new Error(
        `Mount point ${v.mountPoint} on node ${v.node} is not empty on the root filesystem; ` +
          `not removing anything there`,
        { cause: new CommandError(argv, result.code, result.stderr, result.stdout) },
      );
    }
    throw new CommandError(argv, result.code, result.stderr, result.stdout);
  },
};
