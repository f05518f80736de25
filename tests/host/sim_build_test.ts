import assert from "node:assert/strict";
import { parseLvsReport, parseVgsReport } from "../../src/host/lvm_report.ts";
import { SimulatedHost } from "../../src/host/sim/mod.ts";
import { findmnt, lvcreate, LVS, MIB, mountedVolume, must, newHost, VGS } from "./helpers.ts";

Deno.test("fromReports rebuilds a node whose reports read back the same", async () => {
  const source = newHost();
  await mountedVolume(source, "pvc-1");
  await must(source, lvcreate("pvc-2", 12 * MIB, "vg-small", ["local-lvm-provisioner"]));
  const vgs = (await must(source, VGS)).stdout;
  const lvs = (await must(source, LVS)).stdout;

  const copy = SimulatedHost.fromReports({ vgs, lvs });
  assert.equal((await must(copy, VGS)).stdout, vgs);
  assert.equal((await must(copy, LVS)).stdout, lvs, "open LVs stay open");
  assert.deepEqual(
    parseLvsReport((await must(copy, LVS)).stdout).map((l) => [l.name, l.open]),
    [["pvc-2", false], ["pvc-1", true]],
  );
  // An LV reported open but with no known mount cannot be removed.
  assert.equal((await copy.run(["lvremove", "--yes", "vg0/pvc-1"])).code, 5);
  assert.equal((await copy.run(["lvremove", "--yes", "vg-small/pvc-2"])).code, 0);
});

Deno.test("fromReports accepts parsed JSON, mounts and blkid outputs", async () => {
  const vgs = {
    report: [{
      vg: [{
        vg_name: "vg0",
        vg_size: "1069547520",
        vg_free: "1044381696",
        vg_extent_size: "4194304",
        vg_extent_count: "255",
        vg_free_count: "249",
      }],
    }],
  };
  const lvs = {
    report: [{
      lv: [{
        lv_name: "pvc-1",
        vg_name: "vg0",
        lv_size: "8388608",
        lv_tags: "local-lvm-provisioner,mount=/data,pvname=default-c1",
        lv_path: "/dev/vg0/pvc-1",
        lv_attr: "-wi-ao----",
      }],
    }],
  };
  const mounts = {
    filesystems: [{
      target: "/data/pvc-1",
      source: "/dev/mapper/vg0-pvc--1",
      fstype: "ext4",
      options: "rw,relatime",
    }],
  };
  const host = SimulatedHost.fromReports({
    vgs,
    lvs,
    mounts,
    blkid: { "/dev/vg0/pvc-1": "DEVNAME=/dev/vg0/pvc-1\nUUID=u-1\nTYPE=ext4\n" },
  });
  // 255 extents, 249 free, 2 used by pvc-1: 4 more belong to LVs the report left out.
  assert.equal(host.snapshot().vgs[0].freeExtents, 249);
  assert.equal(parseVgsReport((await must(host, VGS)).stdout)[0].freeBytes, 1044381696);
  assert.equal(parseLvsReport((await must(host, LVS)).stdout)[0].tags.length, 3);
  assert.equal((await must(host, findmnt("/data/pvc-1"))).code, 0);
  await must(host, ["umount", "/data/pvc-1"]);
  await must(host, ["lvremove", "--yes", "vg0/pvc-1"]);
  assert.equal(host.snapshot().vgs[0].freeExtents, 251);
});

Deno.test("fromReports rejects inconsistent or malformed reports", () => {
  const vg = (free: string) => ({
    report: [{
      vg: [{
        vg_name: "vg0",
        vg_size: "8388608",
        vg_free: "0",
        vg_extent_size: "4194304",
        vg_extent_count: "2",
        vg_free_count: free,
      }],
    }],
  });
  const lv = (size: string) => ({
    report: [{
      lv: [{
        lv_name: "a",
        vg_name: "vg0",
        lv_size: size,
        lv_tags: "",
        lv_path: "/dev/vg0/a",
        lv_attr: "-wi-a-----",
      }],
    }],
  });
  assert.throws(
    () => SimulatedHost.fromReports({ vgs: vg("2"), lvs: lv("4194304") }),
    /more extents/,
  );
  assert.throws(() => SimulatedHost.fromReports({ vgs: vg("0"), lvs: lv("1000") }), /whole number/);
  assert.throws(() => SimulatedHost.fromReports({ vgs: "not json" }), /not JSON/);
  assert.throws(() => SimulatedHost.fromReports({} as never), /needs/);
});

Deno.test("snapshot is plain JSON and clone is independent", async () => {
  const host = newHost();
  await mountedVolume(host, "pvc-1");
  const snap = host.snapshot();
  assert.deepEqual(JSON.parse(JSON.stringify(snap)), snap);
  assert.deepEqual(snap.mounts, [{
    target: "/data/pvc-1",
    source: "/dev/mapper/vg0-pvc--1",
    fstype: "ext4",
    options: "rw,relatime",
  }]);
  assert.equal(snap.lvs[0].dmPath, "/dev/mapper/vg0-pvc--1");

  const copy = host.clone();
  assert.deepEqual(copy.snapshot(), snap);
  assert.deepEqual(copy.log, []);
  await must(copy, ["umount", "/data/pvc-1"]);
  await must(copy, ["lvremove", "--yes", "vg0/pvc-1"]);
  assert.deepEqual(host.snapshot(), snap, "the original is untouched");
  assert.equal(copy.listLvs().length, 0);
});

Deno.test("the log records every argv with stdin and exit code", async () => {
  const host = newHost();
  await host.run(["tee", "/data/f"], { stdin: "x" });
  await host.run(["rmdir", "/data/none"]);
  await host.run(["cat", "/data/f"]);
  assert.deepEqual(host.log, [
    { argv: ["tee", "/data/f"], stdin: "x", code: 0 },
    { argv: ["rmdir", "/data/none"], code: 1 },
    { argv: ["cat", "/data/f"], code: 3 },
  ]);
});

Deno.test("create validates its VGs", () => {
  assert.throws(
    () => SimulatedHost.create({ vgs: [{ name: "bad name", sizeBytes: MIB }] }),
    /invalid VG/,
  );
  assert.throws(
    () =>
      SimulatedHost.create({ vgs: [{ name: "a", sizeBytes: MIB }, { name: "a", sizeBytes: MIB }] }),
    /twice/,
  );
});
