/** Finalizer changes against a fake server: preconditions, conflict retries, absent objects. */

import assert from "node:assert/strict";
import { FINALIZER } from "../../src/decide/names.ts";
import { isConflict } from "../../src/kube/errors.ts";
import { KubeVolumeApi } from "../../src/kube/kube_volume_api.ts";
import { MemoryVolumeApi } from "../../src/kube/memory_volume_api.ts";
import { AlreadyExistsError } from "../../src/kube/volume_api.ts";
import { startFakeApiServer } from "./fake_api_server.ts";

const status = (code: number, reason: string) =>
  Response.json({ kind: "Status", code, reason, message: reason }, { status: code });

/** One PV whose resourceVersion another writer bumps `conflicts` times before our patch lands. */
function pvServer(conflicts: number, finalizers: string[] = ["kubernetes.io/pv-protection"]) {
  let version = 10;
  const patches: unknown[] = [];
  const deletes: string[] = [];
  const server = startFakeApiServer(async (request, url) => {
    const pv = () => ({
      kind: "PersistentVolume",
      metadata: { name: "pvc-1", resourceVersion: String(version), finalizers },
    });
    if (request.method === "GET") return Response.json(pv());
    if (request.method === "PATCH") {
      assert.equal(request.headers.get("content-type"), "application/merge-patch+json");
      const patch = await request.json();
      patches.push(patch);
      if (conflicts > 0 || patch.metadata.resourceVersion !== String(version)) {
        conflicts--;
        version++;
        return status(409, "Conflict");
      }
      finalizers = patch.metadata.finalizers;
      version++;
      return Response.json(pv());
    }
    if (request.method === "DELETE") {
      deletes.push(url.pathname);
      return status(404, "NotFound");
    }
    return status(405, "MethodNotAllowed");
  });
  return { server, patches, deletes, finalizers: () => finalizers };
}

Deno.test("a finalizer change re-reads and retries after a conflict", async () => {
  const { server, patches, finalizers } = pvServer(2);
  try {
    assert.equal(await new KubeVolumeApi(server.http).addFinalizer("pvc-1"), true);
    assert.deepEqual(finalizers(), ["kubernetes.io/pv-protection", FINALIZER]);
    assert.deepEqual(
      patches.map((p) => (p as { metadata: { resourceVersion: string } }).metadata.resourceVersion),
      ["10", "11", "12"],
    );
  } finally {
    await server.close();
  }
});

Deno.test("endless conflicts give up after five attempts", async () => {
  const { server, patches } = pvServer(100);
  try {
    const error = await new KubeVolumeApi(server.http).addFinalizer("pvc-1").catch((e) => e);
    assert.ok(isConflict(error));
    assert.equal(patches.length, 5);
  } finally {
    await server.close();
  }
});

Deno.test("delete removes only our finalizer, then deletes; 404 is success", async () => {
  const { server, patches, deletes, finalizers } = pvServer(0, ["a/b", FINALIZER]);
  try {
    await new KubeVolumeApi(server.http).deletePersistentVolume("pvc-1");
    assert.deepEqual(finalizers(), ["a/b"]);
    assert.equal(patches.length, 1);
    assert.deepEqual(deletes, ["/api/v1/persistentvolumes/pvc-1"]);
  } finally {
    await server.close();
  }
});

Deno.test("no patch when there is nothing to change", async () => {
  const { server, patches } = pvServer(0, [FINALIZER]);
  try {
    const api = new KubeVolumeApi(server.http);
    assert.equal(await api.addFinalizer("pvc-1"), true);
    assert.equal(patches.length, 0);
  } finally {
    await server.close();
  }
});

Deno.test("a missing PV: add/remove say false, delete succeeds, create maps AlreadyExists", async () => {
  const server = startFakeApiServer((request) => {
    return request.method === "POST" ? status(409, "AlreadyExists") : status(404, "NotFound");
  });
  try {
    const api = new KubeVolumeApi(server.http);
    assert.equal(await api.addFinalizer("pvc-1"), false);
    assert.equal(await api.removeFinalizer("pvc-1"), false);
    assert.equal(await api.readPersistentVolume("pvc-1"), undefined);
    await api.deletePersistentVolume("pvc-1");
    const pv = {
      apiVersion: "v1" as const,
      kind: "PersistentVolume" as const,
      metadata: { name: "pvc-1" },
      spec: {},
    };
    await assert.rejects(api.createPersistentVolume(pv), AlreadyExistsError);
  } finally {
    await server.close();
  }
});

Deno.test("MemoryVolumeApi keeps finalizers like the real one", async () => {
  const api = new MemoryVolumeApi();
  await api.createPersistentVolume({
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "pvc-1", finalizers: ["a/b"] },
    spec: {},
  });
  assert.equal(await api.addFinalizer("pvc-1"), true);
  assert.equal(await api.addFinalizer("pvc-1"), true);
  assert.deepEqual((await api.readPersistentVolume("pvc-1"))?.metadata.finalizers, [
    "a/b",
    FINALIZER,
  ]);
  assert.equal(await api.removeFinalizer("pvc-1"), true);
  assert.deepEqual((await api.readPersistentVolume("pvc-1"))?.metadata.finalizers, ["a/b"]);
  assert.equal(await api.addFinalizer("missing"), false);
});
