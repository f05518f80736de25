import assert from "node:assert/strict";
import { parseFindmnt } from "../../src/host/lvm_report.ts";
import { findmnt, lvcreate, MIB, mountedVolume, must, newHost, UUID } from "./helpers.ts";

const DMESG = "       dmesg(1) may have more information after failed mount system call.\n";

Deno.test("findmnt shows the device-mapper source and the kernel's options", async () => {
  const host = newHost();
  await mountedVolume(host, "pvc-1");
  const r = await host.run(findmnt("/data/pvc-1"));
  assert.deepEqual(r, {
    code: 0,
    stdout: "{\n" +
      '   "filesystems": [\n' +
      "      {\n" +
      '         "target": "/data/pvc-1",\n' +
      '         "source": "/dev/mapper/vg0-pvc--1",\n' +
      '         "fstype": "ext4",\n' +
      '         "options": "rw,relatime"\n' +
      "      }\n" +
      "   ]\n" +
      "}\n",
    stderr: "",
  });
  assert.deepEqual(await host.run(findmnt("/data")), { code: 1, stdout: "", stderr: "" });
  assert.deepEqual(await host.run(findmnt("/data/pvc-1/lost+found")), {
    code: 1,
    stdout: "",
    stderr: "",
  });
});

Deno.test("mount options are shown as the kernel renders them", async () => {
  const cases: { fs: "ext4" | "xfs"; o: string; shown: string }[] = [
    { fs: "ext4", o: "noatime,nodev,nosuid,ro", shown: "ro,nosuid,nodev,noatime" },
    {
      fs: "ext4",
      o: "discard,errors=remount-ro,noexec,sync,lazytime,nodiratime",
      shown: "rw,noexec,nodiratime,relatime,sync,lazytime,discard,errors=remount-ro",
    },
    { fs: "ext4", o: "defaults,rw,strictatime", shown: "rw" },
    { fs: "xfs", o: "", shown: "rw,relatime,inode64,logbufs=8,logbsize=32k,noquota" },
    {
      fs: "xfs",
      o: "noatime,nouuid",
      shown: "rw,noatime,nouuid,inode64,logbufs=8,logbsize=32k,noquota",
    },
  ];
  for (const c of cases) {
    const host = newHost();
    await must(host, lvcreate("v", 400 * MIB));
    const mkfs = c.fs === "ext4"
      ? ["mkfs.ext4", "-q", "-m", "0", "-U", UUID, "/dev/vg0/v"]
      : ["mkfs.xfs", "-q", "-m", `uuid=${UUID}`, "/dev/vg0/v"];
    await must(host, mkfs);
    await must(host, ["mkdir", "-p", "/data/v"]);
    await must(host, ["mount", "-t", c.fs, ...(c.o ? ["-o", c.o] : []), "/dev/vg0/v", "/data/v"]);
    const [m] = parseFindmnt((await must(host, findmnt("/data/v"))).stdout);
    assert.equal(m.options.join(","), c.shown, `${c.fs} -o ${c.o}`);
  }
});

Deno.test("mount errors use util-linux's texts, exit 32, and mount nothing", async () => {
  const host = newHost();
  await must(host, lvcreate("blank", 8 * MIB));
  await mountedVolume(host, "pvc-1");
  await must(host, ["mkdir", "-p", "/data/other"]);
  host.writeFile("/data/file", "x");
  const wrong = (dev: string) =>
    "wrong fs type, bad option, bad superblock on " + dev +
    ", missing codepage or helper program, or other error.";
  const cases: [string[], string][] = [
    [
      ["mount", "-t", "ext4", "/dev/vg0/pvc-1", "/data/nodir"],
      "/data/nodir: mount point does not exist.",
    ],
    [
      ["mount", "-t", "ext4", "/dev/vg0/pvc-1", "/data/file"],
      "/data/file: mount point is not a directory.",
    ],
    [
      ["mount", "-t", "ext4", "/dev/vg0/nope", "/data/other"],
      "/data/other: special device /dev/vg0/nope does not exist.",
    ],
    [
      ["mount", "-t", "ext4", "/dev/vg0/pvc-1", "/data/pvc-1"],
      "/data/pvc-1: /dev/mapper/vg0-pvc--1 already mounted on /data/pvc-1.",
    ],
    [
      ["mount", "-t", "xfs", "/dev/vg0/pvc-1", "/data/other"],
      "/data/other: /dev/mapper/vg0-pvc--1 already mounted on /data/pvc-1.",
    ],
    [
      ["mount", "-t", "ext4", "/dev/vg0/blank", "/data/other"],
      `/data/other: ${wrong("/dev/mapper/vg0-blank")}`,
    ],
    [
      ["mount", "-t", "xfs", "/dev/mapper/vg0-blank", "/data/other"],
      `/data/other: ${wrong("/dev/mapper/vg0-blank")}`,
    ],
    [
      ["mount", "-t", "foo", "/dev/vg0/blank", "/data/other"],
      "/data/other: unknown filesystem type 'foo'.",
    ],
  ];
  for (const [argv, message] of cases) {
    const before = host.snapshot();
    assert.deepEqual(await host.run(argv), {
      code: 32,
      stdout: "",
      stderr: `mount: ${message}\n${DMESG}`,
    });
    assert.deepEqual(host.snapshot(), before);
  }
  await must(host, ["umount", "/data/pvc-1"]);
  const r = await host.run(["mount", "-t", "ext4", "-o", "bogus", "/dev/vg0/pvc-1", "/data/pvc-1"]);
  assert.equal(r.stderr, `mount: /data/pvc-1: ${wrong("/dev/mapper/vg0-pvc--1")}\n${DMESG}`);
});

Deno.test("data written in a mounted volume vanishes from view when unmounted", async () => {
  const host = newHost();
  await mountedVolume(host, "pvc-1");
  await must(host, ["mkdir", "-p", "-m", "0777", "/data/pvc-1/data"]);
  host.writeFile("/data/pvc-1/data/db", "rows");
  assert.equal(host.exists("/data/pvc-1/data"), true);
  assert.equal(host.readFile("/data/pvc-1/data/db"), "rows");
  // The root filesystem only has the empty mount point.
  assert.deepEqual(host.snapshot().files["/data/pvc-1"], { type: "dir", mode: "0755" });
  assert.equal(host.snapshot().files["/data/pvc-1/data"], undefined);

  await must(host, ["umount", "/data/pvc-1"]);
  assert.equal(host.exists("/data/pvc-1"), true);
  assert.equal(host.exists("/data/pvc-1/data"), false);
  assert.equal(host.readFile("/data/pvc-1/data/db"), undefined);
  assert.deepEqual((await host.run(["rmdir", "/data/pvc-1"])).code, 0);

  // The data lives on in the LV's filesystem and is back once mounted again.
  await must(host, ["mkdir", "-p", "/mnt/again"]);
  await must(host, ["mount", "-t", "ext4", "/dev/vg0/pvc-1", "/mnt/again"]);
  assert.equal(host.readFile("/mnt/again/data/db"), "rows");
  const lv = host.snapshot().lvs[0];
  assert.deepEqual(lv.files, {
    "/data": { type: "dir", mode: "0777" },
    "/data/db": { type: "file", mode: "0644", content: "rows" },
    "/lost+found": { type: "dir", mode: "0700" },
  });
});

Deno.test("umount: not mounted, no mount point, busy, device form", async () => {
  const host = newHost();
  await mountedVolume(host, "pvc-1");
  const umount = (arg: string) => host.run(["umount", arg]);
  assert.deepEqual(await umount("/data"), {
    code: 32,
    stdout: "",
    stderr: "umount: /data: not mounted.\n",
  });
  assert.deepEqual(await umount("/data/none"), {
    code: 32,
    stdout: "",
    stderr: "umount: /data/none: no mount point specified.\n",
  });
  const release = host.hold("/data/pvc-1/lost+found");
  assert.deepEqual(await umount("/data/pvc-1"), {
    code: 32,
    stdout: "",
    stderr: "umount: /data/pvc-1: target is busy.\n",
  });
  assert.equal(host.mounts().length, 1);
  release();
  assert.equal((await umount("/dev/vg0/pvc-1")).code, 0);
  assert.deepEqual(await umount("/dev/vg0/pvc-1"), {
    code: 32,
    stdout: "",
    stderr: "umount: /dev/vg0/pvc-1: not mounted.\n",
  });
  assert.deepEqual(host.mounts(), []);
});

Deno.test("a mount inside another keeps the outer one busy", async () => {
  const host = newHost();
  await mountedVolume(host, "outer");
  await must(host, lvcreate("inner", 8 * MIB));
  await must(host, ["mkfs.ext4", "-q", "-m", "0", "-U", UUID, "/dev/vg0/inner"]);
  await must(host, ["mkdir", "-p", "/data/outer/in"]);
  await must(host, ["mount", "-t", "ext4", "/dev/vg0/inner", "/data/outer/in"]);
  assert.equal(
    (await host.run(["umount", "/data/outer"])).stderr,
    "umount: /data/outer: target is busy.\n",
  );
  assert.equal(
    (await host.run(["rmdir", "/data/outer/in"])).stderr,
    "rmdir: failed to remove '/data/outer/in': Device or resource busy\n",
  );
  await must(host, ["umount", "/data/outer/in"]);
  await must(host, ["umount", "/data/outer"]);
});

Deno.test("a read-only mount refuses writes", async () => {
  const host = newHost();
  await must(host, lvcreate("v", 8 * MIB));
  await must(host, ["mkfs.ext4", "-q", "-m", "0", "-U", UUID, "/dev/vg0/v"]);
  await must(host, ["mkdir", "-p", "/data/v"]);
  await must(host, ["mount", "-t", "ext4", "-o", "ro", "/dev/vg0/v", "/data/v"]);
  assert.deepEqual(await host.run(["mkdir", "-p", "/data/v/x"]), {
    code: 1,
    stdout: "",
    stderr: "mkdir: cannot create directory '/data/v/x': Read-only file system\n",
  });
  assert.deepEqual(await host.run(["tee", "/data/v/f"], { stdin: "hi" }), {
    code: 1,
    stdout: "hi",
    stderr: "tee: /data/v/f: Read-only file system\n",
  });
});
