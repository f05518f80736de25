/**
 * `orphans` on the simulated host, in process: each kind of orphan made on purpose next to
 * healthy volumes, found with the right name and nothing else; removed one by one through
 * the steps' undo, leaving the healthy volumes whole; an LV without our tag never touched;
 * and the choice of what `--remove` / `--remove-all` removes.
 */
import assert from "node:assert/strict";
import { removeOrphan } from "../../src/ops/orphans_remove.ts";
import { chooseRemovals, type Orphan, orphanId } from "../../src/ops/orphan_types.ts";
import { lvcreateArgvFor } from "../../steps/lvcreate.ts";
import { activationUnitName, unitText } from "../../steps/systemd_unit.ts";
import type { VolumeSpec } from "../../src/volume.ts";
import { MiB, NODE, type OpsWorld, opsWorld, unfinishedProvision } from "./ops_world.ts";

const uid = (c: string) =>
  `${c.repeat(8)}-${c.repeat(4)}-4${c.repeat(3)}-8${c.repeat(3)}-${c.repeat(12)}`;
const esc = (s: string) => s.replaceAll("-", "\\x2d");

async function must(w: OpsWorld, argv: string[], stdin?: string) {
  const r = await w.host.run(argv, stdin === undefined ? {} : { stdin });
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
}

/** Healthy volumes a and b, and one orphan of every kind (two units). */
async function orphanedNode(): Promise<{ w: OpsWorld; healthy: VolumeSpec[] }> {
  const w = await opsWorld();
  const healthy = [await w.provision("a", uid("a")), await w.provision("b", uid("b"))];
  // lv: the PV of c was deleted behind our back.
  const c = await w.provision("c", uid("c"));
  w.kube.volumes.delete(c.pvName);
  // pv (and its unit): the LV of d was removed by hand, the PV and unit file stayed.
  const d = await w.provision("d", uid("d"));
  await must(w, ["umount", d.mountPoint]);
  await must(w, ["lvremove", "--yes", `vg0/${d.pvName}`]);
  // mount: a's LV mounted a second time at a mount point of ours that belongs to nobody.
  await must(w, ["mkdir", "-p", "/data/pvc-f"]);
  await must(w, ["mount", "-t", "ext4", `/dev/vg0/${healthy[0].pvName}`, "/data/pvc-f"]);
  // unit: a unit file of ours for an LV that never existed.
  const h = await w.plan("h", uid("e"));
  await must(w, ["tee", `/etc/systemd/system/${h.unitName}`], unitText(h));
  await must(w, ["systemctl", "enable", h.unitName]);
  // journal: a saga whose claim and PV are gone, stopped after lvcreate an hour ago.
  const j = await w.plan("j", uid("9"));
  await must(
    w,
    lvcreateArgvFor("vg0", j.pvName, 8 * MiB, [
      "local-lvm-provisioner",
      "mount=/data",
      "pvname=default-j",
    ]),
  );
  const hourAgo = new Date(Date.now() - 3_600_000);
  await w.journal.put(unfinishedProvision(j, ["reserve-vg", "lvcreate"], hourAgo));
  // Not orphans: a fresh journal entry (its agent may be working on it), an LV not ours.
  const k = await w.plan("k", uid("7"));
  await w.journal.put(unfinishedProvision(k, [], new Date()));
  await must(w, lvcreateArgvFor("vg0", "pvc-someone-else", 8 * MiB, ["other"]));
  return { w, healthy };
}

const EXPECTED = [
  ["lv", `vg0/pvc-${uid("c")}`],
  ["pv", `pvc-${uid("d")}`],
  ["mount", "/data/pvc-f"],
  ["unit", `data-pvc${esc(`-${uid("d")}`)}.mount`],
  ["unit", `data-pvc${esc(`-${uid("e")}`)}.mount`],
  ["journal", `pvc-${uid("9")}`],
];

Deno.test("orphans: every kind is found, nothing else", async () => {
  const { w } = await orphanedNode();
  try {
    const found = await w.findOrphans();
    assert.deepEqual(found.map((o) => [o.kind, o.name]), EXPECTED);
    const detail = Object.fromEntries(found.map((o) => [orphanId(o), o.detail]));
    assert.match(detail[`lv:vg0/pvc-${uid("c")}`], /no PersistentVolume pvc-c+/);
    assert.match(detail[`pv:pvc-${uid("d")}`], /Bound|unknown phase/);
    assert.match(detail[`pv:pvc-${uid("d")}`], /no logical volume pvc-d+/);
    assert.match(detail["mount:/data/pvc-f"], /belongs at \/data\/pvc-a+/);
    assert.match(detail[`journal:pvc-${uid("9")}`], /steps applied: reserve-vg, lvcreate/);
    // The same entry is not an orphan while its saga may still be running.
    const early = await w.findOrphans(Date.now() - 3_300_000);
    assert.equal(early.filter((o) => o.kind === "journal").length, 0);
  } finally {
    await w.close();
  }
});

Deno.test("orphans: each is removed through the steps' undo, healthy volumes stay", async () => {
  const { w, healthy } = await orphanedNode();
  try {
    const deps = {
      exec: w.exec,
      journal: w.journal,
      volumes: w.kube,
      nodeName: NODE,
      provisioner: "local-lvm.io",
    };
    for (const o of await w.findOrphans()) {
      await removeOrphan(o, deps);
      const left = (await w.findOrphans()).map(orphanId);
      assert.ok(!left.includes(orphanId(o)), `${orphanId(o)} still there: ${left}`);
    }
    assert.deepEqual(await w.findOrphans(), []);
    // What is left: the healthy volumes, whole, and the LV that is not ours.
    assert.deepEqual(
      w.host.listLvs().map((lv) => lv.name).sort(),
      [...healthy.map((s) => s.pvName), "pvc-someone-else"].sort(),
    );
    assert.deepEqual(w.host.mounts().map((m) => m.target), healthy.map((s) => s.mountPoint));
    assert.deepEqual(
      Object.keys(w.host.unitFiles()).sort(),
      healthy.flatMap((s) => [s.unitName, activationUnitName(s)]).sort(),
    );
    assert.deepEqual(
      w.pvs().map((pv) => pv.metadata.name).sort(),
      healthy.map((s) => s.pvName).sort(),
    );
    assert.equal(w.host.exists("/data/pvc-f"), false, "the stray mount point is gone");
    const journal = (await w.journal.list()).map((r) => r.id);
    assert.deepEqual(journal, [`pvc-${uid("7")}`], "only the fresh entry is left");
  } finally {
    await w.close();
  }
});

Deno.test("orphans: an LV without our tag is never removed", async () => {
  const w = await opsWorld();
  try {
    await must(w, lvcreateArgvFor("vg0", "pvc-someone-else", 8 * MiB, ["other"]));
    const fake: Orphan = { kind: "lv", name: "vg0/pvc-someone-else", detail: "", removal: "" };
    await assert.rejects(
      removeOrphan(fake, {
        exec: w.exec,
        journal: w.journal,
        volumes: w.kube,
        nodeName: NODE,
        provisioner: "local-lvm.io",
      }),
      /no local-lvm-provisioner tag: not ours/,
    );
    assert.deepEqual(w.host.listLvs().map((lv) => lv.name), ["pvc-someone-else"]);
    assert.equal(w.host.log.filter((c) => c.argv[0] === "lvremove").length, 0);
  } finally {
    await w.close();
  }
});

Deno.test("orphans: --remove takes only orphans found now; --remove-all takes them all", () => {
  const found: Orphan[] = [
    { kind: "lv", name: "vg0/pvc-1", detail: "", removal: "" },
    { kind: "unit", name: "data-pvc\\x2d2.mount", detail: "", removal: "" },
  ];
  const cases: {
    ids: string[];
    all: boolean;
    want: { chosen: string[] } | { unknown: string[] };
  }[] = [
    { ids: [], all: false, want: { chosen: [] } },
    { ids: ["lv:vg0/pvc-1"], all: false, want: { chosen: ["lv:vg0/pvc-1"] } },
    { ids: ["lv:vg0/pvc-1", "lv:vg0/pvc-1"], all: false, want: { chosen: ["lv:vg0/pvc-1"] } },
    { ids: ["lv:vg0/pvc-1", "lv:vg0/other"], all: false, want: { unknown: ["lv:vg0/other"] } },
    { ids: ["vg0/pvc-1"], all: false, want: { unknown: ["vg0/pvc-1"] } },
    { ids: ["pv:vg0/pvc-1"], all: false, want: { unknown: ["pv:vg0/pvc-1"] } },
    { ids: [], all: true, want: { chosen: found.map(orphanId) } },
  ];
  for (const c of cases) {
    const got = chooseRemovals(found, c.ids, c.all);
    const shown = "chosen" in got ? { chosen: got.chosen.map(orphanId) } : got;
    assert.deepEqual(shown, c.want, JSON.stringify(c));
  }
});
