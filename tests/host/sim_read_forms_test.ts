/**
 * The read-only forms `doctor` and `orphans` use, on the simulated host, against what the
 * test guest's real tools answered (Debian bookworm: lvm2 2.03.16, util-linux 2.38.1,
 * e2fsprogs 1.47.0, xfsprogs 6.1.0, systemd 252) for the same story: versions, a tagged LV
 * mounted at /data/pvc-1 with our unit enabled, then `systemctl cat`, `list-unit-files`
 * and `findmnt --target` / `--list`.
 */
import assert from "node:assert/strict";
import type { CommandResult } from "../../src/host/executor.ts";
import { LVS, mountedVolume, must, newHost } from "./helpers.ts";

const UNIT = "data-pvc\\x2d1.mount";
const UNIT_TEXT = "# Installed by local-lvm\n[Unit]\nDescription=x\nBefore=kubelet.service\n\n" +
  "[Mount]\nWhat=/dev/vg0/pvc-1\nWhere=/data/pvc-1\nType=ext4\nOptions=defaults\n\n" +
  "[Install]\nWantedBy=local-fs.target kubelet.service\n";
const FINDMNT = ["findmnt", "--json", "--output", "TARGET,SOURCE,FSTYPE,OPTIONS"];
const fs = (target: string, source: string, options: string) =>
  `{\n   "filesystems": [\n      {\n         "target": "${target}",\n` +
  `         "source": "${source}",\n         "fstype": "ext4",\n` +
  `         "options": "${options}"\n      }\n   ]\n}\n`;
const ok = (stdout: string, stderr = ""): CommandResult => ({ code: 0, stdout, stderr });
const LVM = "  LVM version:     2.03.16(2) (2022-05-18)\n  Library version: 1.02.185 " +
  "(2022-05-18)\n  Driver version:  4.47.0\n";
const UTIL = "(libmount 2.38.1: selinux, smack, btrfs, verity, namespaces, assert, debug)";

/** What the real tools printed (lvm's `Configuration:` line left out: the sim omits it). */
const CASES: { argv: string[]; want: CommandResult }[] = [
  { argv: ["lvs", "--version"], want: ok(LVM) },
  { argv: ["vgs", "--version"], want: ok(LVM) },
  { argv: ["lvcreate", "--version"], want: ok(LVM) },
  {
    argv: ["blkid", "--version"],
    want: ok("blkid from util-linux 2.38.1  (libblkid 2.38.1, 04-Aug-2022)\n"),
  },
  { argv: ["findmnt", "--version"], want: ok("findmnt from util-linux 2.38.1\n") },
  { argv: ["mount", "--version"], want: ok(`mount from util-linux 2.38.1 ${UTIL}\n`) },
  { argv: ["umount", "--version"], want: ok(`umount from util-linux 2.38.1 ${UTIL}\n`) },
  {
    argv: ["mkfs.ext4", "-V"],
    want: ok("", "mke2fs 1.47.0 (5-Feb-2023)\n\tUsing EXT2FS Library version 1.47.0\n"),
  },
  { argv: ["mkfs.xfs", "-V"], want: ok("mkfs.xfs version 6.1.0\n") },
  { argv: ["systemctl", "cat", UNIT], want: ok(`# /etc/systemd/system/${UNIT}\n${UNIT_TEXT}`) },
  {
    argv: ["systemctl", "cat", "data-pvc\\x2d2.mount"],
    want: { code: 1, stdout: "", stderr: "No files found for data-pvc\\x2d2.mount.\n" },
  },
  { argv: ["systemctl", "is-enabled", UNIT], want: ok("enabled\n") },
  {
    argv: [...FINDMNT, "--target", "/data/pvc-1"],
    want: ok(fs("/data/pvc-1", "/dev/mapper/vg0-pvc--1", "rw,relatime")),
  },
  {
    argv: [...FINDMNT, "--target", "/data"],
    want: ok(fs("/", "/dev/vda", "rw,relatime,errors=remount-ro")),
  },
  { argv: [...FINDMNT, "--target", "/data/pvc-1/x"], want: { code: 1, stdout: "", stderr: "" } },
  { argv: [...FINDMNT, "--target", "/nonexistent"], want: { code: 1, stdout: "", stderr: "" } },
  { argv: [...FINDMNT, "--target", "/nonexistent/y"], want: { code: 1, stdout: "", stderr: "" } },
];

async function story() {
  const host = newHost();
  await mountedVolume(host, "pvc-1");
  await must(host, ["tee", `/etc/systemd/system/${UNIT}`], UNIT_TEXT);
  await must(host, ["systemctl", "daemon-reload"]);
  await must(host, ["systemctl", "enable", UNIT]);
  return host;
}

Deno.test("read forms answer as the real tools did", async () => {
  const host = await story();
  for (const { argv, want } of CASES) {
    const before = host.snapshot();
    assert.deepEqual(await host.run(argv), want, argv.join(" "));
    assert.deepEqual(host.snapshot(), before, `${argv.join(" ")} changed nothing`);
  }
});

Deno.test("list-unit-files lists our units as systemd does, and [] with exit 1 when none", async () => {
  const host = newHost();
  const argv = ["systemctl", "list-unit-files", "--type=mount", "--output=json"];
  assert.deepEqual(await host.run(argv), { code: 1, stdout: "[]\n", stderr: "" });
  await must(host, ["tee", "/etc/systemd/system/data-pvc\\x2d9.mount"], UNIT_TEXT);
  await must(host, ["tee", "/etc/systemd/system/static.mount"], "[Unit]\nDescription=s\n");
  const enabled = await story();
  await must(enabled, ["tee", "/etc/systemd/system/data-pvc\\x2d9.mount"], UNIT_TEXT);
  // Real rows (the guest also lists systemd's own units, which the simulator does not have).
  assert.deepEqual(
    await enabled.run(argv),
    ok(
      '[{"unit_file":"data-pvc\\\\x2d1.mount","state":"enabled","preset":"enabled"},' +
        '{"unit_file":"data-pvc\\\\x2d9.mount","state":"disabled","preset":"enabled"}]\n',
    ),
  );
  assert.equal(
    (await host.run(argv)).stdout,
    '[{"unit_file":"data-pvc\\\\x2d9.mount","state":"disabled","preset":"enabled"},' +
      '{"unit_file":"static.mount","state":"static","preset":null}]\n',
  );
});

Deno.test("findmnt --list shows the root filesystem, then the mounts in mount order", async () => {
  const host = await story();
  await mountedVolume(host, "pvc-2");
  const { code, stdout } = await must(host, [
    "findmnt",
    "--json",
    "--list",
    "--output",
    "TARGET,SOURCE",
  ]);
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout).filesystems, [
    { target: "/", source: "/dev/vda" },
    { target: "/data/pvc-1", source: "/dev/mapper/vg0-pvc--1" },
    { target: "/data/pvc-2", source: "/dev/mapper/vg0-pvc--2" },
  ]);
  // The guest's real output for the same mount, as one row of its list.
  assert.match(
    (await must(host, [...FINDMNT.slice(0, 2), "--list", ...FINDMNT.slice(2)])).stdout,
    /\{\n {9}"target": "\/data\/pvc-1",\n {9}"source": "\/dev\/mapper\/vg0-pvc--1",\n {9}"fstype": "ext4",\n {9}"options": "rw,relatime"\n {6}\}/,
  );
});

Deno.test("lvs by our tag: an empty report when none, our LVs otherwise", async () => {
  const host = newHost();
  const argv = [...LVS, "@local-lvm-provisioner"];
  assert.deepEqual(
    await host.run(argv),
    ok(
      '  {\n      "report": [\n          {\n              "lv": [\n              ]\n' +
        "          }\n      ]\n  }\n",
    ),
  );
  await mountedVolume(host, "pvc-1");
  assert.match((await must(host, argv)).stdout, /"lv_name":"pvc-1"/);
});
