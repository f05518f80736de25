/**
 * `deno task snapshot` on the simulated node: a backup snapshot is a frozen, read-only view
 * of the claim's volume; an overflowing one is reported INVALID; release leaves nothing; the
 * orphan report does not count snapshots. The task itself runs as a process with its
 * deno.json permissions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { FileBackedHost } from "../../src/host/sim/file_host.ts";
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import {
  cowSizeFrom,
  listSnapshots,
  releaseSnapshots,
  takeSnapshot,
} from "../../src/ops/snapshot_ops.ts";
import { MiB, NODE, type OpsWorld, opsWorld } from "./ops_world.ts";

const UID = "0b5e0b5e-0000-4000-8000-000000000001";
const NOW = new Date("2026-11-25T12:00:00Z");
const SNAP = `pvc-${UID}-snap-20261125T120000Z`;
const MOUNTED_AT = "/data/snapshots/default-db-20261125T120000Z";

async function must(w: OpsWorld, argv: string[], stdin?: string) {
  const r = await w.host.run(argv, stdin === undefined ? {} : { stdin });
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr}`);
}

async function nodeWithVolume() {
  const w = await opsWorld();
  const spec = await w.provision("db", UID);
  await must(w, ["tee", `${spec.hostPath}/dump.sql`], "before\n");
  return { w, spec };
}

Deno.test("snapshot: a read-only, point-in-time view of the claim's volume", async () => {
  const { w, spec } = await nodeWithVolume();
  try {
    const taken = await takeSnapshot(w.exec, { namespace: "default", name: "db" }, { now: NOW });
    assert.deepEqual(taken, {
      vg: "vg0",
      name: SNAP,
      origin: spec.pvName,
      cowBytes: 8 * MiB,
      mountPoint: MOUNTED_AT,
    });
    const mount = w.host.mounts().find((m) => m.target === MOUNTED_AT)!;
    assert.equal(mount.options, "ro,relatime,norecovery");
    // The volume stays in use; what it writes now is not in the snapshot.
    await must(w, ["tee", `${spec.hostPath}/dump.sql`], "after\n");
    assert.equal(w.host.readFile(`${MOUNTED_AT}/data/dump.sql`), "before\n");
    assert.equal(w.host.readFile(`${spec.hostPath}/dump.sql`), "after\n");
    const write = await w.host.run(["tee", `${MOUNTED_AT}/data/x`], { stdin: "x" });
    assert.match(write.stderr, /Read-only file system/);
    const [info] = await listSnapshots(w.exec);
    assert.equal(info.state, "valid");
    assert.equal(info.claim, "default/db");
    assert.equal(info.mountPoint, MOUNTED_AT);
    assert.ok(info.usedPercent! > 0 && info.usedPercent! < 1, String(info.usedPercent));
    // Neither the snapshot LV nor its mount is an orphan.
    assert.deepEqual(await w.findOrphans(), []);
    const released = await releaseSnapshots(w.exec, "default/db");
    assert.deepEqual(released.map((s) => s.name), [SNAP]);
    assert.deepEqual(w.host.listLvs().map((l) => l.name), [spec.pvName]);
    assert.deepEqual(w.host.mounts().map((m) => m.target), [spec.mountPoint]);
    assert.equal(w.host.exists(MOUNTED_AT), false);
  } finally {
    await w.close();
  }
});

Deno.test("snapshot: one whose copy-on-write space overflows is reported INVALID", async () => {
  const { w, spec } = await nodeWithVolume();
  try {
    // 1 MiB asked for, one 4 MiB extent given by lvm; then 5 MiB change on the volume.
    await takeSnapshot(w.exec, { namespace: "default", name: "db" }, { cowSize: "1Mi", now: NOW });
    await must(w, ["tee", `${spec.hostPath}/big`], "x".repeat(5 * MiB));
    const [info] = await listSnapshots(w.exec);
    assert.equal(info.state, "INVALID");
    assert.equal(info.usedPercent, 100);
    // dmeventd unmounted it, as on a real node.
    assert.equal(w.host.listLvs().find((l) => l.name === SNAP)!.attr, "swi-I-s---");
    assert.equal(info.mountPoint, undefined);
    // Release still cleans it up.
    await releaseSnapshots(w.exec, `vg0/${SNAP}`);
    assert.deepEqual(w.host.listLvs().map((l) => l.name), [spec.pvName]);
  } finally {
    await w.close();
  }
});

Deno.test("snapshot: a claim with no volume here, or a bad COW size, is refused", async () => {
  const { w } = await nodeWithVolume();
  try {
    await assert.rejects(
      takeSnapshot(w.exec, { namespace: "default", name: "nope" }),
      /no volume of claim default\/nope on this node/,
    );
    await assert.rejects(releaseSnapshots(w.exec, "default/db"), /no backup snapshot default\/db/);
    assert.throws(() => cowSizeFrom("lots", MiB), /give bytes, a quantity like 512Mi/);
    assert.equal(cowSizeFrom("20%", 100 * MiB), 20 * MiB);
    assert.equal(cowSizeFrom(undefined, 1024 * MiB), 107374592);
    assert.equal(w.host.listLvs().length, 1);
  } finally {
    await w.close();
  }
});

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("deno task snapshot runs with its own permissions: take, list, release", async () => {
  const dir = await Deno.makeTempDir({ dir: "/var/lib/local-lvm", prefix: "test-snapshot-" });
  try {
    const file = join(dir, "node.json");
    const host = await FileBackedHost.init(file, { vgs: [{ name: "vg0", sizeBytes: 256 * MiB }] });
    const exec = new AllowlistExecutor(host);
    const dev = `/dev/vg0/pvc-${UID}`;
    for (
      const argv of [
        [
          "lvcreate",
          "--yes",
          "--name",
          `pvc-${UID}`,
          "--size",
          "8m",
          "--addtag",
          "local-lvm-provisioner",
          "--addtag",
          "mount=/data",
          "--addtag",
          "pvname=default-db",
          "vg0",
        ],
        ["mkfs.ext4", "-q", "-m", "0", "-U", UID, dev],
        ["mkdir", "-p", `/data/pvc-${UID}`],
        ["mount", "-t", "ext4", dev, `/data/pvc-${UID}`],
      ]
    ) assert.equal((await exec.run(argv)).code, 0, argv.join(" "));
    const task: string =
      JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))).tasks.snapshot;
    assert.doesNotMatch(task, /--allow-(net|all|ffi|sys)\b|\s-A\b/);
    const [, ...flags] = task.replace(/^deno run /, "run ").split(" ");
    const script = flags.pop()!;
    const run = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [...flags, script, ...args],
        cwd: ROOT,
        clearEnv: true,
        env: {
          NODE_NAME: NODE,
          LOCAL_LVM_HOST: `sim:${file}`,
          LOCAL_LVM_STATE_DIR: dir,
          PATH: Deno.env.get("PATH") ?? "",
          HOME: Deno.env.get("HOME") ?? "",
          DENO_DIR: Deno.env.get("DENO_DIR") ?? "",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    };
    const taken = await run("default/db", "--cow-size", "4Mi");
    assert.equal(taken.code, 0, taken.stderr);
    assert.match(
      taken.stdout,
      /^Snapshot vg0\/pvc-0b5e0b5e-.*-snap-\d{8}T\d{6}Z of vg0\/pvc-0b5e0b5e-/,
    );
    assert.match(taken.stdout, /\n\/data\/snapshots\/default-db-\d{8}T\d{6}Z\n/);
    const listed = await run("--list");
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /SNAPSHOT +CLAIM +COW SIZE +USED +STATE +MOUNTED AT/);
    assert.match(
      listed.stdout,
      /default\/db +4 MiB +\d+\.\d\d% +valid +\/data\/snapshots\/default-db-/,
    );
    const released = await run("--release", "default/db");
    assert.equal(released.code, 0, released.stderr);
    assert.match(released.stdout, /^Released vg0\/pvc-.*-snap-.* \(unmounted \/data\/snapshots\//);
    assert.equal((await run("--list")).stdout, `Node ${NODE}: no snapshots\n`);
    assert.equal((await run("nope")).code, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
