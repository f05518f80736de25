/**
 * `doctor` and `orphans` against the guest, with the node executor the agent would have
 * (allowlist, then the channel): doctor's node checks on real lvm2, util-linux and systemd
 * (tools, VGs and free space, the base path, boot units enabled and ordered before the
 * kubelet, the journal), each failure made on purpose and fixed with the fix doctor prints;
 * and every kind of orphan made on purpose, found, listed as text and JSON, removed only when
 * named, while an LV without our tag is never touched. The API side is an in-memory
 * VolumeApi (tests/ops/ops_cluster_test.ts runs both commands against the real API server).
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseConfig } from "../../src/config/parse.ts";
import type { Config } from "../../src/config/types.ts";
import type { ClaimObject } from "../../src/decide/claim.ts";
import { formatBytes } from "../../src/decide/quantity.ts";
import { MemoryVolumeApi } from "../../src/kube/memory_volume_api.ts";
import { listVolumeGroups } from "../../src/provision/node_queries.ts";
import { runDoctor } from "../../src/ops/doctor.ts";
import { runOrphans } from "../../src/ops/orphans.ts";
import type { CheckRow } from "../../src/ops/report.ts";
import { ReservationBook } from "../../src/provision/reservations.ts";
import { FileJournal } from "../../src/saga/file_journal.ts";
import { SagaEngine } from "../../src/saga/engine.ts";
import type { VolumeSpec } from "../../src/volume.ts";
import { lvcreateArgvFor } from "../../steps/lvcreate.ts";
import { provisionSaga } from "../../steps/mod.ts";
import { UNIT_DIR, unitText } from "../../steps/systemd_unit.ts";
import {
  BASE,
  type GuestContext,
  MiB,
  NODE,
  planSpec,
  sh,
  testUid,
  type TierCase,
} from "./context.ts";
import { listGuestLvs, readVolumeState } from "./node_state.ts";
import { unfinishedProvision } from "../ops/ops_world.ts";

/** The agent-side files and API of one case: config, journal, PVs, claims. */
interface OpsNode {
  configPath: string;
  journalDir: string;
  journal: FileJournal;
  config: Config;
  kube: MemoryVolumeApi;
  claims: ClaimObject[];
}

const CONFIG = { nodeVGMap: [{ node: NODE, path: BASE, vgs: ["vg0", "vg1"] }] };

async function opsNode(ctx: GuestContext, name: string): Promise<OpsNode> {
  const dir = `${ctx.dir}/${name}`;
  await Deno.mkdir(`${dir}/journal`, { recursive: true });
  const text = JSON.stringify(CONFIG);
  await Deno.writeTextFile(`${dir}/config.json`, text);
  const parsed = parseConfig(text);
  if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
  return {
    configPath: `${dir}/config.json`,
    journalDir: `${dir}/journal`,
    journal: new FileJournal(`${dir}/journal`),
    config: parsed.config,
    kube: new MemoryVolumeApi(),
    claims: [],
  };
}

/** Provisions a claim as the agent would, journaling in the node's journal. */
async function provision(
  ctx: GuestContext,
  node: OpsNode,
  name: string,
  uid: string,
  vg = "vg0",
): Promise<VolumeSpec> {
  const spec = await planSpec(ctx.exec, { name, uid, storage: "8Mi", vgs: [vg] });
  const engine = new SagaEngine(provisionSaga, {
    journal: node.journal,
    deps: { exec: ctx.exec, kube: node.kube, reservations: new ReservationBook() },
  });
  const outcome = await engine.run(spec.pvName, spec);
  assert.equal(outcome.status, "completed", name);
  node.claims.push({ metadata: { name, namespace: "default", uid } } as ClaimObject);
  return spec;
}

function doctor(ctx: GuestContext, node: OpsNode): Promise<CheckRow[]> {
  return runDoctor({
    exec: ctx.exec,
    nodeName: NODE,
    configPath: node.configPath,
    journalDir: node.journalDir,
  });
}

const notOk = (rows: CheckRow[]) => rows.filter((r) => r.status !== "ok");
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** What doctor could change: our LVs, every mount, the unit files. */
async function nodeFacts(ctx: GuestContext): Promise<string> {
  return JSON.stringify([
    await listGuestLvs(ctx, []),
    await sh(ctx, ["findmnt", "--list", "--output", "TARGET,SOURCE"]),
    await sh(ctx, ["ls", "-lR", UNIT_DIR]),
  ]);
}

/** Runs `fix` (a shell-quoted `systemctl VERB 'UNIT'`, as doctor prints it) in the guest. */
async function applyFix(ctx: GuestContext, fix: string) {
  const m = /^systemctl (enable|start) '([^']+)'$/.exec(fix);
  assert.ok(m, `a fix we can run: ${fix}`);
  await sh(ctx, ["systemctl", m[1], m[2]]);
}

/** Tears a volume down as the agent would and checks nothing is left. */
async function teardown(ctx: GuestContext, node: OpsNode, spec: VolumeSpec) {
  const engine = new SagaEngine(provisionSaga, {
    journal: node.journal,
    deps: { exec: ctx.exec, kube: node.kube, reservations: new ReservationBook() },
  });
  assert.equal((await engine.teardown(spec.pvName, spec)).status, "torn-down");
  assert.equal((await readVolumeState(ctx, spec)).lv, undefined);
}

const doctorCase: TierCase = {
  name: "doctor on the guest: every node check ok, then each failure made, shown and fixed",
  async fn(ctx) {
    const node = await opsNode(ctx, "doctor");
    const a = await provision(ctx, node, "doc-a", testUid(0x800));
    const before = await nodeFacts(ctx);
    const rows = await doctor(ctx, node);
    assert.deepEqual(notOk(rows), []);
    assert.deepEqual(rows.map((r) => r.name), [
      "config",
      "tools lvm2",
      "tools e2fsprogs",
      "tools xfsprogs",
      "tools util-linux",
      "tools systemd",
      "vg vg0",
      "vg vg1",
      "path /volumes",
      "boot units",
      "journal",
    ]);
    const detail = Object.fromEntries(rows.map((r) => [r.name, r.detail]));
    assert.match(detail["tools lvm2"], /^LVM version: +2\.\d+\.\d+/);
    assert.match(detail["tools systemd"], /^systemd 252 /);
    assert.match(detail["tools xfsprogs"], /^mkfs\.xfs version /);
    // Figures as the guest's own vgs gives them.
    for (const vg of await listVolumeGroups(ctx.exec, ["vg0", "vg1"])) {
      const pct = Math.floor((100 * vg.freeBytes) / vg.sizeBytes);
      const ours = vg.name === "vg0" ? "1 volume" : "0 volumes";
      assert.equal(
        detail[`vg ${vg.name}`],
        `size ${formatBytes(vg.sizeBytes)}, free ${formatBytes(vg.freeBytes)} (${pct}%), ` +
          `${ours} of ours`,
      );
    }
    assert.equal(
      detail["path /volumes"],
      "exists, on the filesystem mounted at / (/dev/vda, ext4)",
    );
    assert.equal(
      detail["boot units"],
      "1 volume mounted, each with its unit enabled and ordered before kubelet.service",
    );
    assert.equal(await nodeFacts(ctx), before, "doctor changed nothing on the node");

    const boot = `boot vg0/${a.pvName}`;
    const broken: [string, string[], RegExp][] = [
      ["disabled", ["systemctl", "disable", a.unitName], /: disabled$/],
      ["unmounted", ["umount", a.mountPoint], new RegExp(`: not mounted at ${a.mountPoint}$`)],
    ];
    for (const [what, argv, pattern] of broken) {
      await sh(ctx, argv);
      const failed = notOk(await doctor(ctx, node));
      assert.deepEqual(failed.map((r) => [r.name, r.status]), [[boot, "fail"]], what);
      assert.match(failed[0].detail, pattern, what);
      // The fix doctor prints, run as printed, mends it (start: systemd mounts it itself).
      await applyFix(ctx, failed[0].fix!);
      assert.deepEqual(notOk(await doctor(ctx, node)), [], `${what}: fixed`);
    }
    assert.ok((await readVolumeState(ctx, a)).dataDirExists, "mounted again by its unit");

    // A unit rewritten without its ordering before the kubelet.
    const file = `${UNIT_DIR}/${a.unitName}`;
    await sh(ctx, ["tee", file], unitText(a).replace("Before=kubelet.service\n", ""));
    const unordered = notOk(await doctor(ctx, node));
    assert.deepEqual(unordered.map((r) => r.name), [boot]);
    assert.match(unordered[0].detail, /not ordered Before=kubelet\.service/);
    await sh(ctx, ["tee", file], unitText(a));

    // A configured VG that does not exist, and a journal file that does not parse.
    await Deno.writeTextFile(
      node.configPath,
      JSON.stringify({ nodeVGMap: [{ node: NODE, path: BASE, vgs: ["vg0", "vgnone"] }] }),
    );
    await Deno.writeTextFile(`${node.journalDir}/pvc-broken.json`, "{not json");
    const failed = notOk(await doctor(ctx, node));
    assert.deepEqual(failed.map((r) => [r.name, r.status]), [
      ["vg vgnone", "fail"],
      ["journal pvc-broken.json", "fail"],
    ]);
    assert.equal(failed[0].detail, `volume group vgnone does not exist on node ${NODE}`);
    assert.match(failed[1].detail, /is not a saga record: /);
    await Deno.remove(`${node.journalDir}/pvc-broken.json`);
    await teardown(ctx, node, a);
  },
};

/** Captures what the command prints. */
function output() {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: { log: (l: string) => lines.push(l), error: (l: string) => errors.push(l) },
    text: () => lines.join("\n"),
  };
}

const orphansCase: TierCase = {
  name: "orphans on the guest: each kind made on purpose is found; removed only when named",
  async fn(ctx) {
    const node = await opsNode(ctx, "orphans");
    const orphans = (args: string[], out = output()) =>
      runOrphans(args, {
        nodeName: NODE,
        hostnames: [NODE],
        exec: ctx.exec,
        journal: node.journal,
        config: node.config,
        volumes: node.kube,
        persistentVolumes: () => Promise.resolve([...node.kube.volumes.values()]),
        claims: () => Promise.resolve(node.claims),
      }, out.out).then((code) => ({ code, ...out }));

    const healthy = await provision(ctx, node, "orph-a", testUid(0x810));
    // lv: the PV of c was deleted behind the agent's back.
    const c = await provision(ctx, node, "orph-c", testUid(0x811));
    node.kube.volumes.delete(c.pvName);
    // pv (and its unit): d's LV was removed by hand; the PV and the unit file stayed.
    const d = await provision(ctx, node, "orph-d", testUid(0x812), "vg1");
    await sh(ctx, ["umount", d.mountPoint]);
    await sh(ctx, ["lvremove", "--yes", `${d.vg}/${d.pvName}`]);
    // mount: the healthy LV mounted a second time at a mount point of ours.
    const stray = `${BASE}/pvc-stray`;
    await sh(ctx, ["mkdir", "-p", stray]);
    await sh(ctx, ["mount", "-t", "ext4", `/dev/vg0/${healthy.pvName}`, stray]);
    // unit: a unit file of ours, enabled, for an LV that never existed.
    const h = await planSpec(ctx.exec, { name: "orph-h", uid: testUid(0x813), storage: "8Mi" });
    await sh(ctx, ["tee", `${UNIT_DIR}/${h.unitName}`], unitText(h));
    await sh(ctx, ["systemctl", "enable", h.unitName]);
    // journal: a saga stopped after lvcreate an hour ago; its claim and PV are gone.
    const j = await planSpec(ctx.exec, {
      name: "orph-j",
      uid: testUid(0x814),
      storage: "8Mi",
      vgs: ["vg0"],
    });
    await sh(
      ctx,
      lvcreateArgvFor("vg0", j.pvName, 8 * MiB, [
        "local-lvm-provisioner",
        `mount=${BASE}`,
        "pvname=default-orph-j",
      ]),
    );
    const hourAgo = new Date(Date.now() - 3_600_000);
    await node.journal.put(unfinishedProvision(j, ["reserve-vg", "lvcreate"], hourAgo));
    // Not orphans: an LV that is not ours, in a name we would use.
    const foreign = "pvc-7e57c1a1-0000-4000-8000-0000000008ff";
    await sh(ctx, lvcreateArgvFor("vg0", foreign, 8 * MiB, ["someone-else"]));

    const expected = [
      `lv:vg0/${c.pvName}`,
      `pv:${d.pvName}`,
      `mount:${stray}`,
      ...[d.unitName, h.unitName].sort().map((u) => `unit:${u}`),
      `journal:${j.pvName}`,
    ];
    const listed = await orphans(["--json"]);
    assert.equal(listed.code, 0, listed.errors.join("\n"));
    const doc = JSON.parse(listed.text());
    assert.equal(doc.node, NODE);
    assert.deepEqual(
      doc.orphans.map((o: { kind: string; name: string }) => `${o.kind}:${o.name}`),
      expected,
    );
    assert.deepEqual(doc.removals, []);

    // Listing removes nothing.
    const before = await listGuestLvs(ctx, []);
    const text = await orphans([]);
    assert.equal(text.code, 0);
    assert.match(text.lines[0], new RegExp(`^Node ${NODE}: 6 orphans\n\nKIND +NAME +DETAIL\n`));
    for (const id of expected) {
      const [kind, name] = [id.slice(0, id.indexOf(":")), id.slice(id.indexOf(":") + 1)];
      assert.match(text.lines[0], new RegExp(`^${kind} +${escape(name)} +\\S`, "m"), id);
    }
    assert.match(text.lines[0], /Remove one with --remove KIND:NAME/);
    assert.deepEqual(await listGuestLvs(ctx, []), before, "a plain listing changed nothing");

    // The LV that is not ours cannot be named for removal; nothing is removed then.
    const refused = await orphans(["--remove", `lv:vg0/${foreign}`, "--remove", expected[0]]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.errors.join("\n"),
      new RegExp(`not an orphan .*lv:vg0/${foreign}; nothing removed`),
    );
    assert.deepEqual(await listGuestLvs(ctx, []), before, "nothing removed");

    // Named removals name each item they remove.
    const named = await orphans(["--remove", expected[0], "--remove", expected[5]]);
    assert.equal(named.code, 0, named.text());
    for (const id of [expected[0], expected[5]]) {
      assert.match(named.text(), new RegExp(`Removing ${id}: .*\\n  removed`));
    }
    const rest = await orphans(["--remove-all", "--json"]);
    assert.equal(rest.code, 0, rest.text());
    const removed = JSON.parse(rest.lines.at(-1)!).removals;
    assert.deepEqual(
      removed.map((r: { id: string; ok: boolean }) => [r.id, r.ok]),
      expected.slice(1, 5).map((id) => [id, true]),
    );
    const after = await orphans([]);
    assert.equal(after.lines[0], `Node ${NODE}: no orphans`);

    // Left: the healthy volume, whole and mounted, and the foreign LV, untouched.
    const lvs = await listGuestLvs(ctx, []);
    assert.deepEqual(lvs.map((lv) => lv.name).sort(), [healthy.pvName, foreign].sort());
    assert.deepEqual(lvs.find((lv) => lv.name === foreign)?.tags, ["someone-else"]);
    const state = await readVolumeState(ctx, healthy);
    assert.ok(
      state.mount && state.dataDirExists && state.unitFileExists && state.activationFileExists,
      "healthy volume whole",
    );
    for (const gone of [d, h]) {
      const left = await readVolumeState(ctx, gone);
      assert.ok(!left.unitFileExists && !left.activationFileExists, gone.unitName);
    }
    assert.deepEqual(await node.journal.list(), []);
    assert.deepEqual([...node.kube.volumes.keys()], [healthy.pvName]);

    await sh(ctx, ["lvremove", "--yes", `vg0/${foreign}`]);
    await teardown(ctx, node, healthy);
  },
};

export const opsCases: TierCase[] = [doctorCase, orphansCase];
