/**
 * Online expansion on the simulated host: the real saga, steps and runner; the claim's
 * status and events as the agent leaves them; failures that change nothing; crashes that
 * recover forwards.
 */
import assert from "node:assert/strict";
import { SagaHalted } from "../../src/saga/types.ts";
import { recoverResizes } from "../../src/resize/recover_resizes.ts";
import { runResize } from "../../src/resize/run_resize.ts";
import { resizeSagaId } from "../../src/resize/spec.ts";
import {
  currentClaim,
  MiB,
  planGrow,
  requestSize,
  type ResizeWorld,
  resizeWorld,
  runnerFor,
} from "./world.ts";

function lv(w: ResizeWorld) {
  const [one] = w.host.listLvs();
  return one;
}

async function pvCapacity(w: ResizeWorld): Promise<string | undefined> {
  const pv = await w.kube.readPersistentVolume(w.volume.pvName);
  return (pv?.spec.capacity as { storage?: string } | undefined)?.storage;
}

function writePayload(w: ResizeWorld): string {
  const text = "kept across the resize\n".repeat(50);
  w.host.writeFile(`${w.volume.hostPath}/payload.txt`, text);
  return text;
}

/** The claim is exactly as a finished expansion leaves it. */
async function assertGrown(w: ResizeWorld, bytes: number, quantity: string, request: string) {
  assert.equal(lv(w).sizeBytes, bytes, "LV size");
  assert.equal(lv(w).filesystem?.sizeBytes, bytes, "filesystem fills the LV");
  assert.equal(await pvCapacity(w), quantity, "PV capacity is the real LV size");
  const c = await currentClaim(w);
  const status = c.status as Record<string, unknown>;
  assert.deepEqual(status.capacity, { storage: quantity });
  assert.deepEqual(status.conditions, []);
  assert.deepEqual(status.allocatedResources, { storage: request });
  assert.equal(status.allocatedResourceStatuses, undefined);
  assert.deepEqual(await w.journal.list(), [], "journal empty");
  assert.deepEqual(w.host.mounts().map((m) => m.target), [w.volume.mountPoint], "still mounted");
}

for (
  const c of [{ fsType: "ext4" as const, vgMiB: 64, from: "5Mi", to: "13Mi", want: 16 }, {
    fsType: "xfs" as const,
    vgMiB: 512,
    from: "300Mi",
    to: "401Mi",
    want: 404,
  }]
) {
  Deno.test(`${c.fsType}: ${c.from} grows to ${c.to} online (${c.want} MiB), data kept`, async () => {
    const w = await resizeWorld({ fsType: c.fsType, vgMiB: c.vgMiB, storage: c.from });
    const text = writePayload(w);
    requestSize(w, c.to);
    const spec = await planGrow(w);
    assert.ok(spec);
    assert.equal(spec.sizeBytes, c.want * MiB, "same rounding as provisioning");
    const result = await runResize(runnerFor(w), spec, await currentClaim(w));
    assert.equal(result.status, "resized");
    await assertGrown(w, c.want * MiB, `${c.want}Mi`, c.to);
    assert.equal(w.host.readFile(`${w.volume.hostPath}/payload.txt`), text);
    const grow = c.fsType === "xfs"
      ? ["xfs_growfs", w.volume.mountPoint]
      : ["resize2fs", `/dev/vg0/${w.volume.pvName}`];
    const effects = w.host.log.filter((l) => ["lvextend", grow[0]].includes(l.argv[0]));
    assert.deepEqual(effects.map((l) => l.argv), [
      ["lvextend", "--yes", "--size", `${c.want * MiB}b`, `vg0/${w.volume.pvName}`],
      grow,
    ]);
    // The first status patch says Resizing, as external-resizer's does.
    const [first] = w.claims.patches;
    assert.deepEqual(
      (first.status as { allocatedResourceStatuses: unknown })
        .allocatedResourceStatuses,
      { storage: "ControllerResizeInProgress" },
    );
    assert.equal(
      (first.status as { conditions: { type: string }[] }).conditions[0].type,
      "Resizing",
    );
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.reason}`), [
      "Normal Resizing",
      "Normal VolumeResizeSuccessful",
    ]);
    assert.equal(await planGrow(w), undefined, "nothing more to do");
  });
}

Deno.test("VG full: VolumeResizeFailed with lvm's stderr, Infeasible, nothing changed", async () => {
  const w = await resizeWorld();
  const text = writePayload(w);
  requestSize(w, "1Gi");
  const spec = (await planGrow(w))!;
  const result = await runResize(runnerFor(w), spec, await currentClaim(w));
  assert.equal(result.status, "failed");
  assert.ok(result.status === "failed" && result.infeasible);
  const stderr = "Insufficient free space: 254 extents needed, but only 14 available";
  assert.equal(lv(w).sizeBytes, 8 * MiB, "LV unchanged");
  assert.equal(lv(w).filesystem?.sizeBytes, 8 * MiB, "filesystem unchanged");
  assert.equal(await pvCapacity(w), "8Mi", "PV unchanged");
  assert.equal(w.host.readFile(`${w.volume.hostPath}/payload.txt`), text);
  const status = (await currentClaim(w)).status as Record<string, unknown>;
  assert.deepEqual(status.capacity, { storage: "8Mi" });
  assert.deepEqual(status.allocatedResources, { storage: "1Gi" });
  assert.deepEqual(status.allocatedResourceStatuses, { storage: "ControllerResizeInfeasible" });
  const conditions = status.conditions as { type: string; message: string }[];
  assert.deepEqual(conditions.map((c) => c.type), ["ControllerResizeError"]);
  assert.match(conditions[0].message, new RegExp(stderr));
  const failed = w.events.find((e) => e.reason === "VolumeResizeFailed");
  assert.equal(failed?.type, "Warning");
  assert.match(failed!.note, new RegExp(`lvextend --yes --size 1073741824b .*${stderr}`));
  assert.deepEqual(await w.journal.list(), []);
});

Deno.test("a transient failure (resize2fs) leaves ControllerResizeInProgress; the retry finishes", async () => {
  const w = await resizeWorld();
  requestSize(w, "16Mi");
  w.host.failOn(["resize2fs"], { code: 1, stderr: "resize2fs: Device or resource busy\n" });
  const spec = (await planGrow(w))!;
  const failed = await runResize(runnerFor(w), spec, await currentClaim(w));
  assert.ok(failed.status === "failed" && !failed.infeasible);
  // lvextend is irreversible: the extents stay; the PV still says the old size.
  assert.equal(lv(w).sizeBytes, 16 * MiB);
  assert.equal(lv(w).filesystem?.sizeBytes, 8 * MiB);
  assert.equal(await pvCapacity(w), "8Mi");
  const status = (await currentClaim(w)).status as Record<string, unknown>;
  assert.deepEqual(status.allocatedResourceStatuses, { storage: "ControllerResizeInProgress" });
  assert.deepEqual((status.conditions as { type: string }[]).map((c) => c.type), [
    "ControllerResizeError",
  ]);
  const retry = (await planGrow(w))!;
  assert.equal(retry.fromBytes, 16 * MiB);
  assert.equal((await runResize(runnerFor(w), retry, await currentClaim(w))).status, "resized");
  await assertGrown(w, 16 * MiB, "16Mi", "16Mi");
});

for (
  const crash of [
    { on: ["lvextend"], when: "after" as const },
    { on: ["resize2fs"], when: "before" as const },
    { on: ["resize2fs"], when: "after" as const },
  ]
) {
  Deno.test(`crash ${crash.when} ${crash.on[0]}: the restarted agent finishes forwards`, async () => {
    const w = await resizeWorld();
    const text = writePayload(w);
    requestSize(w, "24Mi");
    const halt = new AbortController();
    w.host.crashOn(crash.on, crash.when, { onCrash: () => halt.abort() });
    const spec = (await planGrow(w))!;
    await assert.rejects(
      () => runResize(runnerFor(w, halt.signal), spec, { metadata: { name: "data" } }),
      SagaHalted,
    );
    const [record] = await w.journal.list();
    assert.equal(record.id, resizeSagaId(w.volume.pvName));
    const claimNow = await currentClaim(w);
    const results = await recoverResizes(w.journal, runnerFor(w), () => claimNow);
    assert.deepEqual(results.map((r) => r.status), ["resized"]);
    await assertGrown(w, 24 * MiB, "24Mi", "24Mi");
    assert.equal(w.host.readFile(`${w.volume.hostPath}/payload.txt`), text);
    // lvextend ran once: after a crash the LV is found at its size and left alone.
    assert.equal(w.host.log.filter((l) => l.argv[0] === "lvextend").length, 1);
  });
}

Deno.test("a PV already larger than asked: no lvextend, just the status", async () => {
  const w = await resizeWorld({ storage: "5Mi" });
  // Provisioning rounded 5Mi to 8 MiB; the claim still reports what it asked for.
  const key = "default/data";
  (w.claims.claims.get(key)!.status as { capacity: object }).capacity = { storage: "5Mi" };
  requestSize(w, "7Mi");
  const spec = (await planGrow(w))!;
  assert.equal(spec.sizeBytes, 8 * MiB);
  assert.equal((await runResize(runnerFor(w), spec, await currentClaim(w))).status, "resized");
  assert.equal(w.host.log.filter((l) => l.argv[0] === "lvextend").length, 0);
  await assertGrown(w, 8 * MiB, "8Mi", "7Mi");
});

Deno.test("an unmounted volume is not grown: a clear error, the LV only extended", async () => {
  const w = await resizeWorld();
  await w.host.run(["umount", w.volume.mountPoint]);
  requestSize(w, "12Mi");
  const spec = (await planGrow(w))!;
  const result = await runResize(runnerFor(w), spec, await currentClaim(w));
  assert.ok(result.status === "failed");
  assert.match(result.message, /is not mounted at \/data\/pvc-.* so it cannot be grown online/);
  assert.equal(await pvCapacity(w), "8Mi");
});

Deno.test("the claim deleted during a crashed expansion: recovery closes the saga", async () => {
  const w = await resizeWorld();
  requestSize(w, "24Mi");
  const halt = new AbortController();
  w.host.crashOn(["lvextend"], "after", { onCrash: () => halt.abort() });
  const spec = (await planGrow(w))!;
  await assert.rejects(
    () => runResize(runnerFor(w, halt.signal), spec, { metadata: { name: "data" } }),
    SagaHalted,
  );
  const results = await recoverResizes(w.journal, runnerFor(w), () => undefined);
  assert.deepEqual(results, [{ status: "closed" }]);
  assert.deepEqual(await w.journal.list(), []);
});
