/** A simulated node with a bit of everything, for persistence tests. */

import type { SimulatedHost } from "../../src/host/sim/mod.ts";
import { lvcreate, MIB, mountedVolume, must, newHost } from "./helpers.ts";

export const UNIT = "data-pvc\\x2d1.mount";
export const UNIT_TEXT = "[Unit]\nDescription=pvc-1\n[Mount]\nWhat=/dev/vg0/pvc-1\n" +
  "Where=/data/pvc-1\n[Install]\nWantedBy=local-fs.target\nRequiredBy=kubelet.service\n";

/**
 * Mounted ext4 with files, a read-only mount stacked over a directory, an unmounted xfs,
 * a blank LV in the second VG, a hold, an enabled unit, numeric and odd file names.
 */
export async function busyHost(): Promise<SimulatedHost> {
  const host = newHost();
  await mountedVolume(host, "pvc-1");
  host.writeFile("/data/pvc-1/data/hello.txt", "héllo\nwörld\n\u0000end", 0o600);
  host.mkdir("/data/pvc-1/data/private", 0o700);
  await must(host, lvcreate("pvc-2", 300 * MIB, "vg0", ["local-lvm-provisioner"]));
  await must(host, [
    "mkfs.xfs",
    "-q",
    "-m",
    "uuid=11111111-2222-3333-4444-555555555555",
    "/dev/vg0/pvc-2",
  ]);
  await must(host, lvcreate("blank", 8 * MIB, "vg-small", []));
  await mountedVolume(host, "ro-vol");
  await must(host, ["umount", "/data/ro-vol"]);
  await must(host, ["mount", "-t", "ext4", "-o", "ro", "/dev/vg0/ro-vol", "/data/ro-vol"]);
  // Names that a JSON object would reorder (integer-like keys come first).
  for (const name of ["b", "10", "a", "2"]) host.mkdir(`/var/lib/order/${name}`);
  await must(host, ["tee", `/etc/systemd/system/${UNIT}`], UNIT_TEXT);
  await must(host, ["systemctl", "daemon-reload"]);
  await must(host, ["systemctl", "enable", UNIT]);
  await must(host, ["tee", "/etc/systemd/system/pending.mount"], "[Mount]\n");
  host.hold("/data/pvc-1/data");
  return host;
}
