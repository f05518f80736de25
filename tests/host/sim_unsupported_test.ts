import assert from "node:assert/strict";
import {
  FileBackedHost,
  SimulatedHost,
  UNSUPPORTED_EXIT_CODE,
  withNode,
} from "../../src/host/sim/mod.ts";
import { lvcreate, LVS, MIB, must, newHost, UUID, VGS } from "./helpers.ts";

/** Forms real tools might accept but the simulator does not implement: all rejected loudly. */
const REJECTED: string[][] = [
  ["cat", "/etc/hostname"],
  ["sh", "-c", "true"],
  ["vgs"],
  ["vgs", "--reportformat", "json", "-o", "vg_name"],
  [...VGS.slice(0, -1), "vg_name,vg_uuid"],
  ["lvs", "--reportformat", "basic", "--units", "b", "--nosuffix", "-o", "lv_name"],
  [...LVS, "--select", "lv_size>0"],
  [...LVS, "-a"],
  lvcreate("a", 8 * MIB).filter((a) => a !== "--name" && a !== "a"),
  [...lvcreate("a", 8 * MIB).slice(0, -1), "vg0/a"],
  lvcreate("a", 8 * MIB).map((a) => (a === `${8 * MIB}b` ? "+8m" : a)),
  ["lvcreate", "--activate", "n", "--name", "a", "--size", "8m", "vg0"],
  ["lvcreate", "-n", "a", "-L", "8m", "vg0"],
  ["lvremove", "vg0/a"],
  ["lvremove", "--yes", "-f", "vg0/a"],
  ["lvremove", "--yes", "/dev/vg0/a"],
  ["lvextend", "--yes", "--size", "+4m", "vg0/a"],
  ["lvextend", "--yes", "-r", "--size", "16m", "vg0/a"],
  ["blkid", "/dev/vg0/a"],
  ["blkid", "-p", "-o", "value", "/dev/vg0/a"],
  ["mkfs.ext4", "/dev/vg0/a"],
  ["mkfs.ext4", "-q", "-F", "-U", UUID, "/dev/vg0/a"],
  ["mkfs.xfs", "-q", "/dev/vg0/a"],
  ["mkfs.xfs", "-q", "-m", `uuid=${UUID},crc=1`, "/dev/vg0/a"],
  ["mount", "/dev/vg0/a", "/data"],
  ["mount", "-t", "none", "/dev/vg0/a", "/data"],
  ["mount", "-t", "auto", "/dev/vg0/a", "/data"],
  ["mount", "--bind", "/data", "/mnt"],
  ["mount", "-t", "ext4", "relative", "/data"],
  ["umount", "-l", "/data"],
  ["umount", "-f", "/data"],
  ["findmnt", "/data"],
  ["findmnt", "--json", "--output", "TARGET,UUID", "--mountpoint", "/data"],
  ["mkdir", "/data/x"],
  ["mkdir", "-p", "-m", "a+w", "/data/x"],
  ["mkdir", "-pm", "0777", "/data/x"],
  ["mkdir", "-p", "data/x"],
  ["mkdir", "-p", "/data/x", "/data/y"],
  ["rmdir", "-p", "/data/x"],
  ["tee", "-a", "/data/f"],
  ["tee", "/dev/null"],
  ["rm", "/data/f"],
  ["rm", "-rf", "/data"],
  ["systemctl", "start", "x.mount"],
  ["systemctl", "enable", "--now", "x.mount"],
  ["systemctl", "enable", "x"],
  ["systemctl", "daemon-reload", "x.mount"],
  ["resize2fs", "-f", "/dev/vg0/a"],
  ["resize2fs", "/dev/vg0/a", "4M"],
  ["xfs_growfs", "-d", "/data/a"],
  ["systemctl", "daemon-reload", "--no-reload"],
  ["systemctl", "is-enabled", "--no-reload", "x.mount"],
];

Deno.test("unsupported forms exit 3 with a loud message and change nothing", async () => {
  const host = newHost();
  await must(host, lvcreate("a", 8 * MIB));
  for (const argv of REJECTED) {
    const before = host.snapshot();
    const r = await host.run(argv);
    assert.equal(r.code, UNSUPPORTED_EXIT_CODE, argv.join(" "));
    assert.ok(
      r.stderr.startsWith(`simulated host: unsupported command: ${argv.join(" ")}\n`),
      `${argv.join(" ")}: ${r.stderr}`,
    );
    assert.equal(r.stdout, "");
    assert.deepEqual(host.snapshot(), before, argv.join(" "));
  }
});

Deno.test("on a node file, where commands change the state in place, they change nothing either", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/node.json`;
    const host = await FileBackedHost.init(path, { vgs: [{ name: "vg0", sizeBytes: 2 ** 30 }] });
    assert.equal((await host.run(lvcreate("a", 8 * MIB))).code, 0);
    const before = await Deno.readTextFile(path);
    const snapshot = await withNode(path, (h) => h.snapshot());
    for (const argv of REJECTED) {
      const r = await host.run(argv);
      assert.equal(r.code, UNSUPPORTED_EXIT_CODE, argv.join(" "));
      assert.equal(await Deno.readTextFile(path), before, argv.join(" "));
      // The next command meets the node as it was, not a half-changed parse.
      assert.equal((await host.run(LVS)).code, 0);
    }
    assert.deepEqual(await withNode(path, (h) => h.snapshot()), snapshot);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a unit file with [Install] keys we do not model is rejected", async () => {
  const host = newHost();
  await must(host, ["tee", "/etc/systemd/system/x.mount"], "[Install]\nAlias=y.mount\n");
  const r = await host.run(["systemctl", "enable", "x.mount"]);
  assert.equal(r.code, UNSUPPORTED_EXIT_CODE);
  assert.match(r.stderr, /Alias= is not implemented/);
});

Deno.test("in place, a host says what its commands did to the live state", async () => {
  const state = newHost().currentState();
  const host = SimulatedHost.fromState(state, { inPlace: true });
  await must(host, VGS);
  assert.equal(host.changedInPlace, false, "a query");
  await must(host, ["mkdir", "-p", "/data/x"]);
  assert.equal(host.changedInPlace, true);
  assert.equal(host.currentState(), state, "the same object, changed");
  assert.equal(host.exists("/data/x"), true);
  assert.equal(host.spoiled, false);
  assert.equal((await host.run(["mkdir", "/data/y"])).code, UNSUPPORTED_EXIT_CODE);
  assert.equal(host.spoiled, true, "an unsupported command may have stopped part-way");
});
