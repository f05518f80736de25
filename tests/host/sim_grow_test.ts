/**
 * Simulated `resize2fs` and `xfs_growfs`: the filesystem grows into its LV online, with the
 * output real e2fsprogs 1.47 and xfsprogs 6.1 gave in the guest (real_outputs.json), and a
 * second run changes nothing and still exits 0.
 */
import assert from "node:assert/strict";
import { lvcreate, MIB, must, newHost } from "./helpers.ts";

const REAL = JSON.parse(
  await Deno.readTextFile(new URL("../infra/guest/real_outputs.json", import.meta.url)),
).cases as Record<string, { argv: string[]; code: number; stdout: string; stderr: string }>;

function real(name: string) {
  const { argv, code, stdout, stderr } = REAL[name];
  return { argv, result: { code, stdout, stderr } };
}

async function replay(host: ReturnType<typeof newHost>, name: string) {
  const { argv, result } = real(name);
  assert.deepEqual(await host.run(argv), result, `${name}: ${argv.join(" ")}`);
}

Deno.test("resize2fs grows a mounted ext4 online, as the real one says", async () => {
  const host = newHost();
  await must(host, lvcreate("pvc-1", 8 * MIB));
  await must(host, ["mkfs.ext4", "-q", "-m", "0", "-U", crypto.randomUUID(), "/dev/vg0/pvc-1"]);
  await must(host, ["mkdir", "-p", "/data/pvc-1"]);
  await must(host, ["mount", "-t", "ext4", "/dev/vg0/pvc-1", "/data/pvc-1"]);
  await replay(host, "lvextend");
  assert.equal(host.listLvs()[0].filesystem?.sizeBytes, 8 * MIB, "not grown by lvextend");
  await replay(host, "resize2fs_online");
  assert.equal(host.listLvs()[0].filesystem?.sizeBytes, 16 * MIB);
  await replay(host, "lvextend_not_larger");
  assert.deepEqual(await host.run(["resize2fs", "/dev/vg0/pvc-1"]), {
    code: 0,
    stdout: "",
    stderr: "resize2fs 1.47.0 (5-Feb-2023)\n" +
      "The filesystem is already 16384 (1k) blocks long.  Nothing to do!\n\n",
  });
  // The block size is fixed when the filesystem is made, not by its size now.
  await must(host, ["lvextend", "--yes", "--size", `${600 * MIB}b`, "vg0/pvc-1"]);
  await must(host, ["resize2fs", "/dev/vg0/pvc-1"]);
  const blkid = await must(host, ["blkid", "-p", "-o", "export", "/dev/vg0/pvc-1"]);
  assert.match(blkid.stdout, /BLOCK_SIZE=1024/);
});

Deno.test("resize2fs refuses an unmounted ext4 (offline resize needs e2fsck first)", async () => {
  const host = newHost();
  await must(host, lvcreate("a", 8 * MIB));
  await must(host, ["mkfs.ext4", "-q", "-m", "0", "-U", crypto.randomUUID(), "/dev/vg0/a"]);
  await must(host, ["lvextend", "--yes", "--size", `${16 * MIB}b`, "vg0/a"]);
  const before = host.snapshot();
  const r = await host.run(["resize2fs", "/dev/vg0/a"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Please run 'e2fsck -f \/dev\/vg0\/a' first/);
  assert.deepEqual(host.snapshot(), before);
});

Deno.test("xfs_growfs grows a mounted xfs online, as the real one says", async () => {
  const host = newHost();
  const { argv: mkfs } = real("mkfs_xfs");
  await must(host, lvcreate("pvc-xfs", 300 * MIB));
  await must(host, mkfs);
  await must(host, ["mkdir", "-p", "/data/pvc-xfs"]);
  await must(host, real("mount_xfs_options").argv);
  await replay(host, "lvextend_xfs");
  await replay(host, "xfs_growfs");
  assert.equal(host.listLvs()[0].filesystem?.sizeBytes, 320 * MIB);
  const again = await host.run(["xfs_growfs", "/data/pvc-xfs"]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /blocks=81920,.*\n[^]*data size unchanged, skipping\n$/);
  await must(host, ["umount", "/data/pvc-xfs"]);
  assert.deepEqual(await host.run(["xfs_growfs", "/data/pvc-xfs"]), {
    code: 1,
    stdout: "",
    stderr: "xfs_growfs: /data/pvc-xfs is not a mounted XFS filesystem\n",
  });
});
