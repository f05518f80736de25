/**
 * Data safety on the simulated host: we never format or remove what is not ours, a pod
 * cannot land on the root filesystem, volumes made by the original are torn down right,
 * and concurrent claims cannot over-commit a volume group.
 */
import assert from "node:assert/strict";
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import { runChecked } from "../../src/host/executor.ts";
import { lvcreateArgvFor } from "../../steps/lvcreate.ts";
import { findLogicalVolumes } from "../../src/provision/node_queries.ts";
import { specFromExisting } from "../../src/provision/existing_volume.ts";
import { assertNothingLeft, engineFor, MiB, newWorld } from "./harness.ts";

const FOREIGN_UUID = "11111111-2222-3333-4444-555555555555";

Deno.test("an existing LV of the claimed name without our tags is refused and left intact", async () => {
  const w = await newWorld();
  const exec = new AllowlistExecutor(w.host);
  // Made by hand, without our tags.
  await runChecked(exec, lvcreateArgvFor("vg0", w.spec.pvName, 8388608, []));
  w.host.setFilesystem(`/dev/vg0/${w.spec.pvName}`, { type: "ext4", uuid: FOREIGN_UUID });
  const outcome = await engineFor(w).run(w.spec.pvName, w.spec);
  assert.equal(outcome.status, "rolled-back");
  if (outcome.status === "rolled-back") {
    assert.match(outcome.error.message, /already exists and is not the one this claim asked for/);
  }
  const [lv] = w.host.listLvs();
  assert.equal(lv.name, w.spec.pvName);
  assert.equal(lv.filesystem?.uuid, FOREIGN_UUID, "its filesystem is untouched");
  assert.deepEqual(await w.journal.list(), []);
});

Deno.test("a tagged LV holding a filesystem we did not make is never formatted nor removed", async () => {
  const w = await newWorld();
  const exec = new AllowlistExecutor(w.host);
  await runChecked(
    exec,
    lvcreateArgvFor("vg0", w.spec.pvName, w.spec.sizeBytes, ["local-lvm-provisioner"]),
  );
  w.host.setFilesystem(`/dev/vg0/${w.spec.pvName}`, { type: "xfs", uuid: FOREIGN_UUID });
  const outcome = await engineFor(w).run(w.spec.pvName, w.spec);
  // mkfs refuses; the rollback then refuses to lvremove it: stuck, data kept, reported.
  assert.equal(outcome.status, "stuck");
  if (outcome.status === "stuck") {
    assert.match(outcome.record.errors[0], /Refusing to format .* xfs filesystem/);
    assert.match(outcome.error.message, /was not made for claim default\/data; not removing it/);
  }
  assert.deepEqual(w.host.log.filter((e) => e.argv[0].startsWith("mkfs")), []);
  assert.equal(w.host.listLvs()[0].filesystem?.uuid, FOREIGN_UUID);
});

Deno.test("with the volume unmounted, the PV's hostPath does not exist on the root filesystem", async () => {
  const w = await newWorld();
  await engineFor(w).run(w.spec.pvName, w.spec);
  assert.ok(w.host.exists(w.spec.hostPath));
  await runChecked(new AllowlistExecutor(w.host), ["umount", w.spec.mountPoint]);
  assert.equal(w.host.exists(w.spec.hostPath), false, "data dir exists only inside the volume");
  assert.ok(w.host.exists(w.spec.mountPoint), "the bare mount point stays");
  assert.equal(w.spec.hostPath, `${w.spec.mountPoint}/data`);
});

Deno.test("a volume made by the original project is recognised and torn down", async () => {
  const w = await newWorld();
  const exec = new AllowlistExecutor(w.host);
  const uid = w.spec.claim.uid;
  const lvName = `pvc-${uid}`;
  // What the original's helper did: lvcreate with its tags, mkfs -U <uid>, mount at
  // <path>/<namespace>-<claim>, no data subdirectory, no per-volume unit.
  await runChecked(exec, [
    "lvcreate",
    "--yes",
    "--size",
    "8388608b",
    "--name",
    lvName,
    "--addtag",
    "local-lvm-provisioner",
    "--addtag",
    "mount=/data",
    "--addtag",
    "pvname=default-data",
    "vg0",
  ]);
  await runChecked(exec, ["mkfs.ext4", "-q", "-m", "0", "-U", uid, `/dev/vg0/${lvName}`]);
  await runChecked(exec, ["mkdir", "-p", "/data/default-data"]);
  await runChecked(exec, ["mount", "-t", "ext4", `/dev/vg0/${lvName}`, "/data/default-data"]);
  const pv = {
    apiVersion: "v1" as const,
    kind: "PersistentVolume" as const,
    metadata: {
      name: lvName,
      annotations: { "pv.kubernetes.io/provisioned-by": "mein.io/local-lvm" },
    },
    spec: {
      claimRef: { namespace: "default", name: "data", uid },
      hostPath: { path: "/data/default-data", type: "DirectoryOrCreate" },
      persistentVolumeReclaimPolicy: "Delete",
    },
  };
  await w.kube.inner.createPersistentVolume(pv);

  const [lv] = await findLogicalVolumes(exec, lvName);
  const existing = specFromExisting({ lv, pv, node: "node-a", provisioner: "local-lvm.io" });
  assert.ok(existing.ok);
  if (!existing.ok) return;
  assert.equal(existing.spec.legacy, true);
  assert.equal(existing.spec.mountPoint, "/data/default-data");
  const outcome = await engineFor(w).teardown(lvName, existing.spec);
  assert.equal(outcome.status, "torn-down");
  w.spec = existing.spec;
  await assertNothingLeft(w, "legacy");
});

Deno.test("two claims racing for the same free space: one gets it, the other is refused cleanly", async () => {
  const w = await newWorld();
  const big = { ...w.spec, sizeBytes: 40 * MiB, requestBytes: 40 * MiB };
  const twin = {
    ...big,
    pvName: "pvc-twin",
    claim: { ...big.claim, name: "twin", uid: "twin" },
    mountPoint: "/data/pvc-twin",
    hostPath: "/data/pvc-twin/data",
    unitName: "data-pvc\\x2dtwin.mount",
  };
  const engine = engineFor(w);
  const [a, b] = await Promise.all([engine.run(big.pvName, big), engine.run(twin.pvName, twin)]);
  const statuses = [a.status, b.status].sort();
  assert.deepEqual(statuses, ["completed", "rolled-back"]);
  const failed = a.status === "rolled-back" ? a : b;
  if (failed.status === "rolled-back") {
    assert.match(failed.error.message, /cannot hold 40 MiB .* held by other claims/);
  }
  assert.equal(w.host.listLvs().length, 1);
  assert.deepEqual(w.reservations.list(), []);
});
