/** Shared argv builders and a standard simulated node for the host tests. */

import { lvcreateArgvFor } from "../../steps/lvcreate.ts";
import { SimulatedHost } from "../../src/host/sim/mod.ts";
import type { CommandResult } from "../../src/host/executor.ts";

export const MIB = 1024 ** 2;
export const GIB = 1024 ** 3;

const JSON_REPORT = ["--reportformat", "json", "--units", "b", "--nosuffix"];

export const VGS = [
  "vgs",
  ...JSON_REPORT,
  "-o",
  "vg_name,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count",
];
export const LVS = ["lvs", ...JSON_REPORT, "-o", "lv_name,vg_name,lv_size,lv_tags,lv_path,lv_attr"];

export const TAGS = ["local-lvm-provisioner", "mount=/data", "pvname=default-c1"];

/** The contract's lvcreate argv (the step's own builder). */
export function lvcreate(name: string, bytes: number, vg = "vg0", tags = TAGS): string[] {
  return lvcreateArgvFor(vg, name, bytes, tags);
}

export const UUID = "0b2f3a2e-7f0e-4e3a-9c61-1f2a3b4c5d6e";

export function findmnt(path: string): string[] {
  return ["findmnt", "--json", "--output", "TARGET,SOURCE,FSTYPE,OPTIONS", "--mountpoint", path];
}

/** vg0: 1 GiB in 4 MiB extents (256); vg-small: 64 MiB (16 extents). */
export function newHost(): SimulatedHost {
  return SimulatedHost.create({
    vgs: [
      { name: "vg0", sizeBytes: GIB, extentBytes: 4 * MIB },
      { name: "vg-small", sizeBytes: 64 * MIB },
    ],
    dirs: ["/etc/systemd/system", "/data", "/var/lib"],
  });
}

/** Runs a command and fails the test unless it exits 0. */
export async function must(
  host: SimulatedHost,
  argv: string[],
  stdin?: string,
): Promise<CommandResult> {
  const result = await host.run(argv, stdin === undefined ? {} : { stdin });
  if (result.code !== 0) {
    throw new Error(`${argv.join(" ")} exited ${result.code}: ${result.stderr}`);
  }
  return result;
}

/** lvcreate + mkfs.ext4 + mkdir + mount of `name` at /data/<name>. */
export async function mountedVolume(
  host: SimulatedHost,
  name: string,
  bytes = 8 * MIB,
): Promise<void> {
  await must(host, lvcreate(name, bytes));
  await must(host, ["mkfs.ext4", "-q", "-m", "0", "-U", UUID, `/dev/vg0/${name}`]);
  await must(host, ["mkdir", "-p", `/data/${name}`]);
  await must(host, ["mount", "-t", "ext4", `/dev/vg0/${name}`, `/data/${name}`]);
}
