/**
 * The clone saga on the simulated host: a clean clone, point-in-time semantics, refusals,
 * teardown, an overflowing snapshot, and a process death before and after every effect
 * converging forwards or backwards with no snapshot left behind.
 */
import assert from "node:assert/strict";
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import { planClone } from "../../src/provision/clone_plan.ts";
import { SagaEngine, SagaHalted } from "../../src/saga/mod.ts";
import type { Executor } from "../../src/host/executor.ts";
import { provisionSaga } from "../../steps/mod.ts";
import { ReservationBook } from "../../src/provision/reservations.ts";
import {
  assertCloned,
  assertOnlySource,
  type CloneWorld,
  filesOf,
  newCloneWorld,
  writeThrough,
} from "./clone_world.ts";
import { engineFor } from "./harness.ts";

const READS = new Set(["lvs", "vgs", "blkid", "findmnt"]);
const sameArgv = (a: readonly string[]) => (b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

for (const fsType of ["ext4", "xfs"] as const) {
  Deno.test(`a ${fsType} clone gets the source's files, its own UUID, and no snapshot is left`, async () => {
    const w = await newCloneWorld({ fsType });
    const from = w.host.log.length;
    const outcome = await engineFor(w).run(w.clone.pvName, w.clone);
    assert.equal(outcome.status, "completed", JSON.stringify(outcome.record.errors));
    await assertCloned(w);
    const ran = w.host.log.slice(from).map((e) => e.argv).filter((a) => !READS.has(a[0]));
    const snap = w.clone.cloneFrom!;
    const options = fsType === "xfs" ? "ro,nouuid,norecovery" : "ro,noload";
    // The order that matters: snapshot after the clone's filesystem is mounted, copy from
    // the read-only snapshot, snapshot gone before the PV exists.
    const names = ran.map((a) => a.join(" "));
    const at = (s: string) => names.findIndex((n) => n.startsWith(s));
    assert.ok(
      at(`mount -t ${fsType} /dev/vg0/${w.clone.pvName}`) < at("lvcreate --yes --snapshot"),
    );
    assert.ok(
      at("lvcreate --yes --snapshot") <
        at(`mount -t ${fsType} -o ${options} /dev/vg0/${snap.snapshot}`),
    );
    assert.ok(at(`cp -a -T ${snap.snapshotMountPoint} ${w.clone.mountPoint}`) > 0);
    // Removing the snapshot is the last change to the node: only the PV comes after it.
    assert.equal(at(`lvremove --yes vg0/${snap.snapshot}`), names.length - 1);
    assert.deepEqual(
      ran.find((a) => a[0] === "lvcreate" && a.includes("--snapshot")),
      [
        "lvcreate",
        "--yes",
        "--snapshot",
        "--name",
        snap.snapshot,
        "--size",
        `${snap.cowBytes}b`,
        "--addtag",
        "local-lvm-snapshot",
        "--addtag",
        "purpose=clone",
        "--addtag",
        `clone-for=${w.clone.pvName}`,
        `vg0/${w.source.pvName}`,
      ],
    );
  });
}

Deno.test("a clone holds the source as it was at the snapshot, not writes made after it", async () => {
  const w = await newCloneWorld();
  const controller = new AbortController();
  w.host.crashOn((a) => a[0] === "lvcreate" && a.includes("--snapshot"), "after", {
    onCrash: () => controller.abort(),
  });
  await assert.rejects(engineFor(w, controller.signal).run(w.clone.pvName, w.clone), SagaHalted);
  // The source keeps being used while the agent is down.
  await writeThrough(w.host, `${w.source.hostPath}/late.txt`, "written after the snapshot\n");
  w.host.clearFaults();
  const [record] = await w.journal.list();
  w.reservations = new ReservationBook();
  assert.equal((await engineFor(w).continue(record as never, "forward")).status, "completed");
  await assertCloned(w);
  assert.equal(filesOf(w.host, w.clone.pvName)["/data/late.txt"], undefined);
  assert.equal(filesOf(w.host, w.source.pvName)["/data/late.txt"], "written after the snapshot\n");
});

Deno.test("a snapshot that overflows during the clone fails it cleanly, with lvm's reason", async () => {
  const w = await newCloneWorld();
  // 16 MiB of COW space (the minimum, capped at the 8 MiB origin): overflow it.
  const controller = new AbortController();
  w.host.crashOn((a) => a[0] === "lvcreate" && a.includes("--snapshot"), "after", {
    onCrash: () => controller.abort(),
  });
  await assert.rejects(engineFor(w, controller.signal).run(w.clone.pvName, w.clone), SagaHalted);
  await writeThrough(
    w.host,
    `${w.source.hostPath}/big`,
    "x".repeat(w.clone.cloneFrom!.cowBytes + 1),
  );
  const snapRow = w.host.listLvs().find((l) => l.name === w.clone.cloneFrom!.snapshot)!;
  assert.equal(snapRow.attr, "swi-I-s---");
  w.host.clearFaults();
  w.reservations = new ReservationBook();
  const [record] = await w.journal.list();
  const outcome = await engineFor(w).continue(record as never, "forward");
  assert.equal(outcome.status, "rolled-back");
  assert.match(String(outcome.record.errors[0]), /copy-from-snapshot: .*can't read superblock/);
  // The source has the big file now; everything of the clone, the snapshot included, is gone.
  w.sourceFiles = filesOf(w.host, w.source.pvName);
  await assertOnlySource(w);
});

Deno.test("a snapshot that overflows while the files are copied fails the copy, not silently", async () => {
  const w = await newCloneWorld();
  // The node's cp is instant; a busy source overflows the snapshot while it runs.
  const inner = new AllowlistExecutor(w.host);
  const busySource: Executor = {
    async run(argv, options) {
      const result = await inner.run(argv, options);
      if (argv[0] === "cp") {
        await writeThrough(
          w.host,
          `${w.source.hostPath}/burst`,
          "y".repeat(w.clone.cloneFrom!.cowBytes + 1),
        );
      }
      return result;
    },
  };
  const engine = new SagaEngine(provisionSaga, {
    journal: w.journal,
    deps: { exec: busySource, kube: w.kube, reservations: w.reservations },
    undoAttempts: 2,
    sleep: () => Promise.resolve(),
  });
  const outcome = await engine.run(w.clone.pvName, w.clone);
  assert.equal(outcome.status, "rolled-back");
  assert.match(
    String(outcome.record.errors[0]),
    /copy-from-snapshot: Snapshot vg0\/pvc-c10e.*-source of claim default\/db overflowed its 8 MiB of copy-on-write space during the copy/,
  );
  w.sourceFiles = filesOf(w.host, w.source.pvName);
  await assertOnlySource(w);
});

Deno.test("refusals: a source larger than the clone, a source not on this node", async () => {
  const w = await newCloneWorld({ cloneStorage: "4Mi" });
  assert.equal(w.clone, undefined);
  const exec = new AllowlistExecutor(w.host);
  const larger = await planClone(exec, w.bare, { claim: w.source.claim, pvName: w.source.pvName });
  assert.deepEqual(larger, {
    ok: false,
    reason: "source claim default/db is 8 MiB, larger than this claim's 4 MiB: a clone must " +
      "be at least as large as its source (request 8388608 bytes or more)",
  });
  const elsewhere = await planClone(exec, w.bare, {
    claim: { ...w.source.claim, uid: "0" },
    pvName: "pvc-0",
  });
  assert.deepEqual(elsewhere, {
    ok: false,
    reason: "the volume pvc-0 of source claim default/db is not on node node-a",
  });
  assert.deepEqual(w.host.listLvs().map((l) => l.name), [w.source.pvName], "nothing created");
});

Deno.test("a bigger clone than its source gets the bigger size", async () => {
  const w = await newCloneWorld({ cloneStorage: "12Mi" });
  assert.equal((await engineFor(w).run(w.clone.pvName, w.clone)).status, "completed");
  await assertCloned(w);
  assert.equal(w.host.listLvs().find((l) => l.name === w.clone.pvName)!.sizeBytes, 12 * 1024 ** 2);
});

Deno.test("tearing a clone down leaves its source alone; the source can go after it", async () => {
  const w = await newCloneWorld();
  await engineFor(w).run(w.clone.pvName, w.clone);
  assert.equal((await engineFor(w).teardown(w.clone.pvName, w.clone)).status, "torn-down");
  await assertOnlySource(w);
});

Deno.test("removing a source while the clone's snapshot exists takes the snapshot along", async () => {
  const w = await newCloneWorld();
  const controller = new AbortController();
  w.host.crashOn((a) => a[0] === "cp", "before", { onCrash: () => controller.abort() });
  await assert.rejects(engineFor(w, controller.signal).run(w.clone.pvName, w.clone), SagaHalted);
  // The snapshot is mounted at the crash: lvremove of the origin is refused, like lvm2.
  const snap = w.clone.cloneFrom!;
  const busy = await w.host.run(["lvremove", "--yes", `vg0/${w.source.pvName}`]);
  assert.equal(busy.code, 5);
  assert.equal(
    busy.stderr,
    `  Logical volume vg0/${snap.snapshot} contains a filesystem in use.\n` +
      `  LV vg0/${w.source.pvName} has open 1 snapshot(s), not deactivating.\n` +
      `  Logical volume vg0/${w.source.pvName} not removed.\n`,
  );
  await w.host.run(["umount", snap.snapshotMountPoint]);
  await w.host.run(["umount", w.source.mountPoint]);
  const gone = await w.host.run(["lvremove", "--yes", `vg0/${w.source.pvName}`]);
  assert.equal(gone.code, 0, gone.stderr);
  assert.equal(
    gone.stdout,
    `  Logical volume "${snap.snapshot}" successfully removed.\n` +
      `  Logical volume "${w.source.pvName}" successfully removed.\n`,
  );
});

Deno.test("a crash before or after every effect of a clone converges, never leaving a snapshot", async () => {
  const probe = await newCloneWorld();
  const from = probe.host.log.length;
  await engineFor(probe).run(probe.clone.pvName, probe.clone);
  const commands = probe.host.log.slice(from).map((e) => e.argv).filter((a) => !READS.has(a[0]));
  const failures: string[] = [];
  let cases = 0;
  for (let i = 0; i < commands.length; i++) {
    const argv = commands[i];
    const nth = commands.slice(0, i + 1).filter(sameArgv(argv)).length;
    for (const when of ["before", "after"] as const) {
      for (const to of ["forward", "backward"] as const) {
        const label = `crash ${when} ${argv.join(" ")} (#${nth}), recover ${to}`;
        const w: CloneWorld = await newCloneWorld();
        const controller = new AbortController();
        w.host.crashOn(sameArgv(argv), when, { nth, onCrash: () => controller.abort() });
        await assert.rejects(
          engineFor(w, controller.signal).run(w.clone.pvName, w.clone),
          SagaHalted,
          label,
        );
        w.host.clearFaults();
        w.reservations = new ReservationBook();
        const [record] = await w.journal.list();
        await engineFor(w).continue(record as never, to);
        try {
          if (to === "forward") await assertCloned(w, label);
          else await assertOnlySource(w, label);
        } catch (error) {
          failures.push(`${label}: ${(error as Error).message}`);
        }
        cases++;
      }
    }
  }
  console.log(
    `clone crash matrix (simulated host): ${cases - failures.length} of ${cases} converge`,
  );
  assert.deepEqual(failures, []);
  assert.ok(cases >= 40, `expected a full matrix, got ${cases}`);
});
