import assert from "node:assert/strict";
import { MKFS_XFS_USAGE } from "../../src/host/sim/xfs_usage.ts";
import { lvcreate, MIB, mountedVolume, must, newHost, UUID } from "./helpers.ts";

const blkid = (dev: string) => ["blkid", "-p", "-o", "export", dev];
const ext4 = (dev: string, uuid = UUID) => ["mkfs.ext4", "-q", "-m", "0", "-U", uuid, dev];
const xfs = (dev: string, uuid = UUID) => ["mkfs.xfs", "-q", "-m", `uuid=${uuid}`, dev];

Deno.test("blkid: no signature and no device both exit 2 silently", async () => {
  const host = newHost();
  await must(host, lvcreate("a", 8 * MIB));
  assert.deepEqual(await host.run(blkid("/dev/vg0/a")), { code: 2, stdout: "", stderr: "" });
  assert.deepEqual(await host.run(blkid("/dev/vg0/none")), { code: 2, stdout: "", stderr: "" });
});

Deno.test("mkfs.ext4 then blkid reports what blkid -p prints for ext4", async () => {
  const cases = [
    { size: 8 * MIB, block: "1024" },
    { size: 512 * MIB, block: "4096" },
  ];
  for (const c of cases) {
    const host = newHost();
    await must(host, lvcreate("a", c.size));
    assert.deepEqual(await host.run(ext4("/dev/vg0/a", UUID.toUpperCase())), {
      code: 0,
      stdout: "",
      stderr: "",
    });
    assert.deepEqual(await host.run(blkid("/dev/mapper/vg0-a")), {
      code: 0,
      stdout: `DEVNAME=/dev/mapper/vg0-a\nUUID=${UUID}\nVERSION=1.0\nBLOCK_SIZE=${c.block}\n` +
        "TYPE=ext4\nUSAGE=filesystem\n",
      stderr: "",
    });
  }
});

Deno.test("mkfs.xfs then blkid; mkfs.xfs refuses an existing filesystem without -f", async () => {
  const host = newHost();
  await must(host, lvcreate("a", 300 * MIB));
  await must(host, xfs("/dev/vg0/a"));
  assert.equal(
    (await host.run(blkid("/dev/vg0/a"))).stdout,
    `DEVNAME=/dev/vg0/a\nUUID=${UUID}\nBLOCK_SIZE=512\nTYPE=xfs\nUSAGE=filesystem\n`,
  );
  assert.deepEqual(await host.run(xfs("/dev/vg0/a")), {
    code: 1,
    stdout: "",
    stderr: "mkfs.xfs: /dev/vg0/a appears to contain an existing filesystem (xfs).\n" +
      "mkfs.xfs: Use the -f option to force overwrite.\n",
  });
  const other = "11111111-2222-3333-4444-555555555555";
  await must(host, ["mkfs.xfs", "-q", "-f", "-m", `uuid=${other}`, "/dev/vg0/a"]);
  assert.equal(host.listLvs()[0].filesystem?.uuid, other);
  // mke2fs overwrites without asking when not on a terminal.
  await must(host, ext4("/dev/vg0/a"));
  assert.equal(host.listLvs()[0].filesystem?.type, "ext4");
});

Deno.test("mkfs errors use the tools' texts", async () => {
  const host = newHost();
  await must(host, lvcreate("small", 296 * MIB));
  await mountedVolume(host, "busy");
  const cases: { argv: string[]; stderr: string }[] = [
    {
      argv: ext4("/dev/vg0/small", "bad"),
      stderr: "/dev/vg0/small: could not parse UUID: bad\n\n",
    },
    {
      argv: ext4("/dev/vg0/none"),
      stderr: "The file /dev/vg0/none does not exist and no size was specified.\n",
    },
    {
      argv: ext4("/dev/vg0/busy"),
      stderr: "/dev/vg0/busy is mounted; will not make a filesystem here!\n",
    },
    {
      argv: xfs("/dev/vg0/small", "bad"),
      stderr: `Invalid value bad for -m uuid option\n${MKFS_XFS_USAGE}`,
    },
    {
      argv: xfs("/dev/vg0/none"),
      stderr:
        `Error accessing specified device /dev/vg0/none: No such file or directory\n${MKFS_XFS_USAGE}`,
    },
    {
      argv: xfs("/dev/vg0/busy"),
      stderr: `mkfs.xfs: /dev/vg0/busy contains a mounted filesystem\n${MKFS_XFS_USAGE}`,
    },
    {
      argv: xfs("/dev/vg0/small"),
      stderr: `Filesystem must be larger than 300MB.\n${MKFS_XFS_USAGE}`,
    },
  ];
  for (const c of cases) {
    const before = host.snapshot();
    assert.deepEqual(
      await host.run(c.argv),
      { code: 1, stdout: "", stderr: c.stderr },
      c.argv.join(" "),
    );
    assert.deepEqual(host.snapshot(), before);
  }
  assert.ok(MKFS_XFS_USAGE.startsWith("Usage: mkfs.xfs\n"));
});

Deno.test("lvcreate gives a fresh device without a signature", async () => {
  const host = newHost();
  await must(host, lvcreate("a", 8 * MIB));
  await must(host, ext4("/dev/vg0/a"));
  await must(host, ["lvremove", "--yes", "vg0/a"]);
  await must(host, lvcreate("a", 8 * MIB));
  assert.equal((await host.run(blkid("/dev/vg0/a"))).code, 2);
});

Deno.test("setFilesystem stands for a filesystem somebody else made", async () => {
  const host = newHost();
  await must(host, lvcreate("a", 8 * MIB));
  host.setFilesystem("/dev/vg0/a", { type: "crypto_LUKS", uuid: "abc" });
  assert.equal(
    (await host.run(blkid("/dev/vg0/a"))).stdout,
    "DEVNAME=/dev/vg0/a\nUUID=abc\nTYPE=crypto_LUKS\nUSAGE=crypto\n",
  );
  assert.throws(() => host.setFilesystem("/dev/vg0/none", null), /no active LV/);
});
