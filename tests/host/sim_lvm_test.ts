import assert from "node:assert/strict";
import { parseLvsReport, parseVgsReport } from "../../src/host/lvm_report.ts";
import { GIB, lvcreate, LVS, MIB, mountedVolume, must, newHost, TAGS, VGS } from "./helpers.ts";

Deno.test("vgs prints lvm's JSON layout and sizes in bytes", async () => {
  const host = newHost();
  const r = await host.run(VGS);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  assert.equal(
    r.stdout,
    "  {\n" +
      '      "report": [\n' +
      "          {\n" +
      '              "vg": [\n' +
      '                  {"vg_name":"vg-small", "vg_size":"67108864", "vg_free":"67108864", ' +
      '"vg_extent_size":"4194304", "vg_extent_count":"16", "vg_free_count":"16"},\n' +
      '                  {"vg_name":"vg0", "vg_size":"1073741824", "vg_free":"1073741824", ' +
      '"vg_extent_size":"4194304", "vg_extent_count":"256", "vg_free_count":"256"}\n' +
      "              ]\n" +
      "          }\n" +
      "      ]\n" +
      "  }\n",
  );
});

Deno.test("vgs with a missing VG still reports the others and exits 5", async () => {
  const r = await newHost().run([...VGS, "vg0", "vgX"]);
  assert.equal(r.code, 5);
  assert.equal(r.stderr, '  Volume group "vgX" not found\n  Cannot process volume group vgX\n');
  assert.deepEqual(parseVgsReport(r.stdout).map((v) => v.name), ["vg0"]);
});

Deno.test("lvcreate of whole extents creates the LV with sorted tags", async () => {
  const host = newHost();
  const r = await host.run(lvcreate("pvc-1", 8 * MIB, "vg0", [...TAGS].reverse()));
  assert.deepEqual(r, { code: 0, stdout: '  Logical volume "pvc-1" created.\n', stderr: "" });
  const [lv] = parseLvsReport((await must(host, LVS)).stdout);
  assert.deepEqual(lv, {
    name: "pvc-1",
    vg: "vg0",
    sizeBytes: 8 * MIB,
    tags: TAGS,
    path: "/dev/vg0/pvc-1",
    attr: "-wi-a-----",
    active: true,
    open: false,
  });
  assert.equal(parseVgsReport((await must(host, VGS)).stdout)[1].freeExtents, 254);
});

Deno.test("lvcreate rounds up to whole extents and says so on stdout", async () => {
  const cases = [
    { bytes: 10 * MIB, extents: 3, shown: "12.00 MiB" },
    { bytes: 512, extents: 1, shown: "4.00 MiB" },
    { bytes: GIB - 4 * MIB + 512, extents: 256, shown: "1.00 GiB" },
  ];
  for (const c of cases) {
    const host = newHost();
    const r = await host.run(lvcreate("a", c.bytes));
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      `  Rounding up size to full physical extent ${c.shown}\n  Logical volume "a" created.\n`,
    );
    assert.equal(host.listLvs()[0].extents, c.extents);
  }
});

Deno.test("lvcreate errors use lvm's texts and exit codes, and change nothing", async () => {
  const cases: { argv: string[]; code: number; stderr: string; stdout?: string }[] = [
    {
      argv: lvcreate("a", 8 * MIB, "vgX"),
      code: 5,
      stderr: '  Volume group "vgX" not found\n  Cannot process volume group vgX\n',
    },
    {
      argv: lvcreate("a", 80 * MIB, "vg-small"),
      code: 5,
      stderr: '  Volume group "vg-small" has insufficient free space (16 extents): 20 required.\n',
    },
    {
      argv: lvcreate("a", 65 * MIB, "vg-small"),
      code: 5,
      stdout: "  Rounding up size to full physical extent 68.00 MiB\n",
      stderr: '  Volume group "vg-small" has insufficient free space (16 extents): 17 required.\n',
    },
    {
      argv: lvcreate("bad name", 8 * MIB),
      code: 3,
      stderr: '  Logical volume name "bad name" is invalid.\n' +
        "  Run `lvcreate --help' for more information.\n",
    },
    {
      argv: lvcreate("snapshot1", 8 * MIB),
      code: 3,
      stderr: '  Names starting "snapshot" are reserved. Please choose a different LV name.\n' +
        "  Run `lvcreate --help' for more information.\n",
    },
    {
      argv: lvcreate("a_tmeta", 8 * MIB),
      code: 3,
      stderr: '  Names including "_tmeta" are reserved. Please choose a different LV name.\n' +
        "  Run `lvcreate --help' for more information.\n",
    },
    {
      argv: lvcreate("a".repeat(128), 8 * MIB),
      code: 3,
      stderr: `  Logical volume name "${"a".repeat(128)}" is invalid.\n` +
        "  Run `lvcreate --help' for more information.\n",
    },
    {
      argv: lvcreate("a", 8 * MIB, "vg0", ["pvname=default-c 1"]),
      code: 3,
      stderr: "  Invalid argument for --addtag: pvname=default-c 1\n" +
        "  Error during parsing of command line.\n",
    },
    {
      argv: lvcreate("a", 8 * MIB, "vg0", ["ok", "bad,comma"]),
      code: 3,
      stderr:
        "  Invalid argument for --addtag: bad,comma\n  Error during parsing of command line.\n",
    },
    {
      argv: lvcreate("a", 1000),
      code: 3,
      stderr: "  Size is not a multiple of 512. Try using 512 or 1024.\n" +
        "  Invalid argument for --size: 1000b\n  Error during parsing of command line.\n",
    },
  ];
  for (const c of cases) {
    const host = newHost();
    const before = host.snapshot();
    const r = await host.run(c.argv);
    assert.deepEqual(
      r,
      { code: c.code, stdout: c.stdout ?? "", stderr: c.stderr },
      c.argv.join(" "),
    );
    assert.deepEqual(host.snapshot(), before);
  }
});

Deno.test("lvcreate refuses an existing name before checking space", async () => {
  const host = newHost();
  await must(host, lvcreate("a", 8 * MIB, "vg-small"));
  const r = await host.run(lvcreate("a", 800 * MIB, "vg-small"));
  assert.equal(r.code, 5);
  assert.equal(r.stderr, '  Logical Volume "a" already exists in volume group "vg-small"\n');
});

Deno.test("lvm tag characters: all of A-Za-z0-9_+.-/=!:&# are accepted", async () => {
  const host = newHost();
  const tag = "Az09_+.-/=!:&#" + "x".repeat(2000);
  await must(host, lvcreate("a", 4 * MIB, "vg0", [tag, "@at-stripped"]));
  assert.deepEqual(host.listLvs()[0].tags, ["Az09_+.-/=!:&#" + "x".repeat(2000), "at-stripped"]);
});

Deno.test("lvs selects by name, tag, VG and VG/LV", async () => {
  const host = newHost();
  await must(host, lvcreate("b", 4 * MIB));
  await must(host, lvcreate("a", 4 * MIB, "vg0", ["other"]));
  await must(host, lvcreate("c", 4 * MIB, "vg-small"));
  const names = async (...extra: string[]) => {
    const r = await host.run([...LVS, ...extra]);
    return {
      code: r.code,
      names: parseLvsReport(r.stdout).map((l) => `${l.vg}/${l.name}`),
      err: r.stderr,
    };
  };
  assert.deepEqual(await names(), { code: 0, names: ["vg-small/c", "vg0/a", "vg0/b"], err: "" });
  assert.deepEqual(await names("--select", "lv_name=b"), { code: 0, names: ["vg0/b"], err: "" });
  assert.deepEqual(await names("--select", "lv_name=zz"), { code: 0, names: [], err: "" });
  assert.deepEqual(await names("@local-lvm-provisioner"), {
    code: 0,
    names: ["vg-small/c", "vg0/b"],
    err: "",
  });
  assert.deepEqual(await names("@nobody"), { code: 0, names: [], err: "" });
  assert.deepEqual(await names("vg0"), { code: 0, names: ["vg0/a", "vg0/b"], err: "" });
  assert.deepEqual(await names("vg0/b", "vg-small/c"), {
    code: 0,
    names: ["vg-small/c", "vg0/b"],
    err: "",
  });
  assert.deepEqual(await names("vg0/zz"), {
    code: 5,
    names: [],
    err: '  Failed to find logical volume "vg0/zz"\n',
  });
  assert.deepEqual(await names("vgX/a", "vg0/a"), {
    code: 5,
    names: ["vg0/a"],
    err: '  Volume group "vgX" not found\n  Cannot process volume group vgX\n',
  });
});

Deno.test("lvs with no match prints an empty list in lvm's layout", async () => {
  const r = await newHost().run([...LVS, "--select", "lv_name=none"]);
  assert.equal(
    r.stdout,
    '  {\n      "report": [\n          {\n              "lv": [\n              ]\n          }\n      ]\n  }\n',
  );
});

Deno.test("lvremove removes, refuses a mounted LV, and reports a missing one", async () => {
  const host = newHost();
  await mountedVolume(host, "pvc-1");
  assert.equal(host.listLvs()[0].attr, "-wi-ao----");
  assert.deepEqual(await host.run(["lvremove", "--yes", "vg0/pvc-1"]), {
    code: 5,
    stdout: "",
    stderr: "  Logical volume vg0/pvc-1 contains a filesystem in use.\n",
  });
  await must(host, ["umount", "/data/pvc-1"]);
  assert.deepEqual(await host.run(["lvremove", "--yes", "vg0/pvc-1"]), {
    code: 0,
    stdout: '  Logical volume "pvc-1" successfully removed.\n',
    stderr: "",
  });
  assert.deepEqual(await host.run(["lvremove", "--yes", "vg0/pvc-1"]), {
    code: 5,
    stdout: "",
    stderr: '  Failed to find logical volume "vg0/pvc-1"\n',
  });
  assert.deepEqual(await host.run(["lvremove", "--yes", "vgX/pvc-1"]), {
    code: 5,
    stdout: "",
    stderr: '  Volume group "vgX" not found\n  Cannot process volume group vgX\n',
  });
  assert.equal(host.exists("/dev/vg0/pvc-1"), false);
});

Deno.test("lvextend grows only, with lvm's messages", async () => {
  const host = newHost();
  await must(host, lvcreate("a", 8 * MIB, "vg-small"));
  const grow = (bytes: number) =>
    host.run(["lvextend", "--yes", "--size", `${bytes}b`, "vg-small/a"]);
  assert.deepEqual(await grow(14 * MIB), {
    code: 0,
    stdout: "  Rounding up size to full physical extent 16.00 MiB\n" +
      "  Size of logical volume vg-small/a changed from 8.00 MiB (2 extents) to 16.00 MiB (4 extents).\n" +
      "  Logical volume vg-small/a successfully resized.\n",
    stderr: "",
  });
  assert.deepEqual(await grow(16 * MIB), {
    code: 5,
    stdout: "",
    stderr: "  New size (4 extents) matches existing size (4 extents).\n",
  });
  assert.deepEqual(await grow(8 * MIB), {
    code: 5,
    stdout: "",
    stderr: "  New size given (2 extents) not larger than existing size (4 extents)\n",
  });
  assert.deepEqual(await grow(80 * MIB), {
    code: 5,
    stdout: "",
    stderr: "  Insufficient free space: 16 extents needed, but only 12 available\n",
  });
  assert.equal(host.listLvs()[0].sizeBytes, 16 * MIB);
});
