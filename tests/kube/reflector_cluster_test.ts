/**
 * Reflectors against a real API server: initial list, selectors, add/update/delete, a watch idle
 * for more than 35 s, and recovery from an API server restart (410 Gone, relist, inferred
 * deletes). Runs with the default sanitizers, so a stopped reflector must leave nothing behind.
 */

import assert from "node:assert/strict";
import { waitFor } from "../infra/kube/api_client.ts";
import { PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES } from "../../src/kube/api_path.ts";
import { apiListWatch, type ListWatch } from "../../src/kube/list_watch.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { Reflector } from "../../src/kube/reflector.ts";
import {
  clusterSkipReason,
  deleteVolume,
  serviceAccountClients,
  stopApiserver,
  testVolume,
  withCluster,
} from "./cluster_fixture.ts";
import { RecordingLogger } from "./recording_logger.ts";

/** Polls a synchronous condition. */
function until(what: string, condition: () => boolean, timeoutMs?: number): Promise<boolean> {
  return waitFor(what, () => Promise.resolve(condition()), timeoutMs);
}

/** Holds watches back while closed (the reflector then misses changes, as in an outage). */
class Gate {
  #open = Promise.withResolvers<void>();
  #isOpen = true;

  close(): void {
    if (this.#isOpen) this.#open = Promise.withResolvers<void>();
    this.#isOpen = false;
  }

  open(): void {
    this.#isOpen = true;
    this.#open.resolve();
  }

  async pass(signal: AbortSignal): Promise<void> {
    if (this.#isOpen) return;
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener("abort", () => resolve())
    );
    await Promise.race([this.#open.promise, aborted]);
  }
}

function gated<T extends KubeObject>(inner: ListWatch<T>, gate: Gate): ListWatch<T> {
  return {
    description: inner.description,
    list: (signal) => inner.list(signal),
    async *watch(resourceVersion, signal) {
      await gate.pass(signal);
      if (!signal.aborted) yield* inner.watch(resourceVersion, signal);
    },
  };
}

/** A reflector whose handlers write `add x`, `update x`, `delete x` / `delete? x` lines. */
function recordingReflector(listWatch: ListWatch<KubeObject>, logger: RecordingLogger) {
  const seen: string[] = [];
  const key = (o: KubeObject) =>
    `${o.metadata.namespace ? o.metadata.namespace + "/" : ""}${o.metadata.name}`;
  const reflector = new Reflector({
    listWatch,
    logger,
    backoff: { initialMs: 200, maxMs: 2_000 },
    handlers: {
      onAdd: (o) => seen.push(`add ${key(o)}`),
      onUpdate: (_old, o) => seen.push(`update ${key(o)}`),
      onDelete: (o, unknown) => seen.push(`delete${unknown ? "?" : ""} ${key(o)}`),
    },
  });
  return { reflector, seen };
}

const claim = (namespace: string, name: string) => ({
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name, namespace },
  // A class nobody serves keeps the claim Pending, away from the test PVs.
  spec: {
    storageClassName: "no-such-class",
    accessModes: ["ReadWriteOnce"],
    resources: { requests: { storage: "1Gi" } },
  },
});

Deno.test({
  name: "reflectors follow the real API server through idle time and a restart",
  ignore: clusterSkipReason !== undefined,
  fn: () =>
    withCluster(async (cluster) => {
      const api = cluster.api;
      const logger = new RecordingLogger(Deno.env.get("LOCAL_LVM_TEST_VERBOSE") === "1");
      const clients = await serviceAccountClients(cluster, "reflector-test", [
        {
          apiGroups: [""],
          resources: ["persistentvolumes", "persistentvolumeclaims"],
          verbs: ["list", "watch"],
        },
      ]);
      const label = "local-lvm.test/set";
      for (const [name, set] of [["pv-a1", "a"], ["pv-a2", "a"], ["pv-b1", "b"]]) {
        await api.create("/api/v1/persistentvolumes", testVolume(name, { [label]: set }));
      }
      for (const ns of ["ns-1", "ns-2"]) {
        await api.create("/api/v1/namespaces", { metadata: { name: ns } });
      }
      await api.create("/api/v1/namespaces/ns-1/persistentvolumeclaims", claim("ns-1", "c1"));
      await api.create("/api/v1/namespaces/ns-2/persistentvolumeclaims", claim("ns-2", "c2"));

      const gate = new Gate();
      const pvs = recordingReflector(
        gated(
          apiListWatch(clients.http, PERSISTENT_VOLUMES, { labelSelector: `${label}=a` }),
          gate,
        ),
        logger,
      );
      const claims = recordingReflector(
        apiListWatch(clients.http, PERSISTENT_VOLUME_CLAIMS),
        logger,
      );
      const ns1 = recordingReflector(
        apiListWatch(clients.http, PERSISTENT_VOLUME_CLAIMS, { namespace: "ns-1" }),
        logger,
      );
      const all = [pvs, claims, ns1];
      try {
        for (const { reflector } of all) reflector.start();
        assert.deepEqual(await Promise.all(all.map((r) => r.reflector.synced)), [true, true, true]);

        // Initial list, with the label selector and across namespaces.
        assert.deepEqual(pvs.seen.toSorted(), ["add pv-a1", "add pv-a2"]);
        assert.deepEqual(claims.seen.toSorted(), ["add ns-1/c1", "add ns-2/c2"]);
        assert.deepEqual(ns1.seen, ["add ns-1/c1"]);
        const item = pvs.reflector.get("pv-a1");
        assert.equal(item?.kind, "PersistentVolume");
        assert.equal(item?.apiVersion, "v1");
        assert.equal(typeof item?.metadata.creationTimestamp, "string");

        // Add, update, leave the selector, delete.
        pvs.seen.length = 0;
        await api.create("/api/v1/persistentvolumes", testVolume("pv-a3", { [label]: "a" }));
        await until("add pv-a3", () => pvs.seen.includes("add pv-a3"));
        await api.patch("/api/v1/persistentvolumes/pv-a3", {
          metadata: { annotations: { x: "1" } },
        });
        await until("the annotation in the cache", () => {
          return pvs.reflector.get("pv-a3")?.metadata.annotations?.x === "1";
        });
        assert.ok(pvs.seen.includes("update pv-a3"));
        await api.patch("/api/v1/persistentvolumes/pv-a2", {
          metadata: { labels: { [label]: "b" } },
        });
        await until("pv-a2 leaving the selector", () => pvs.seen.includes("delete pv-a2"));
        await deleteVolume(api, "pv-a1");
        await until("delete pv-a1", () => pvs.seen.includes("delete pv-a1"));
        assert.deepEqual(pvs.reflector.list().map((o) => o.metadata.name).sort(), ["pv-a3"]);
        await api.create("/api/v1/namespaces/ns-2/persistentvolumeclaims", claim("ns-2", "c3"));
        await until("add ns-2/c3", () => claims.seen.includes("add ns-2/c3"));
        assert.equal(ns1.seen.length, 1);

        // More than 35 s without any change: no watch may be cut (client-node's old 30 s timeout).
        const restarts = all.map((r) => r.reflector.status.restarts);
        const seenBefore = pvs.seen.length;
        const idleStart = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 36_000));
        assert.deepEqual(all.map((r) => r.reflector.status.restarts), restarts);
        assert.equal(pvs.seen.length, seenBefore);
        await api.create("/api/v1/persistentvolumes", testVolume("pv-a4", { [label]: "a" }));
        await until("add pv-a4 after idling", () => pvs.seen.includes("add pv-a4"), 5_000);
        assert.ok(Date.now() - idleStart > 35_000);
        assert.deepEqual(all.map((r) => r.reflector.status.restarts), restarts);

        // The API server goes away; while the PV watch is held back, pv-a3 is deleted and pv-a5
        // created. The restarted server has forgotten the old resourceVersion: 410, relist.
        gate.close();
        const startApiserver = await stopApiserver(cluster);
        await until("the watches to notice", () => {
          return all.every((r, i) => r.reflector.status.restarts > restarts[i]);
        }, 30_000);
        await startApiserver();
        await deleteVolume(api, "pv-a3");
        await api.create("/api/v1/persistentvolumes", testVolume("pv-a5", { [label]: "a" }));
        // Let the controllers finish with pv-a5 (finalizer, phase), so the relist is the last word.
        await waitFor("pv-a5 to settle", async () => {
          const pv = await api.get("/api/v1/persistentvolumes/pv-a5");
          return pv.status?.phase === "Available" && pv.metadata.finalizers?.length > 0;
        });
        await api.patch("/api/v1/persistentvolumes/pv-a4", {
          metadata: { annotations: { y: "2" } },
        });
        pvs.seen.length = 0;
        gate.open();
        await until("the relist", () => pvs.reflector.status.lists === 2, 30_000);
        assert.deepEqual(pvs.seen.toSorted(), ["add pv-a5", "delete? pv-a3", "update pv-a4"]);
        assert.deepEqual(pvs.reflector.list().map((o) => o.metadata.name).sort(), [
          "pv-a4",
          "pv-a5",
        ]);
        assert.ok(
          logger.at("warn").some((l) => /expired, relisting/.test(l.message)),
          "no relist was logged",
        );
        // The claim watch came back by itself too.
        await api.create("/api/v1/namespaces/ns-1/persistentvolumeclaims", claim("ns-1", "c4"));
        await until("add ns-1/c4", () => claims.seen.includes("add ns-1/c4"), 30_000);
        await until("ns-1 add c4", () => ns1.seen.includes("add ns-1/c4"), 30_000);
        for (const { reflector } of all) {
          assert.ok(reflector.status.lastError !== undefined);
          assert.equal(reflector.hasSynced, true);
        }
        const restartLines = logger.at("warn").filter((l) =>
          /restarting|relisting/.test(l.message)
        );
        assert.ok(restartLines.every((l) => typeof l.properties?.error === "string"));
      } finally {
        gate.open();
        await Promise.all(all.map((r) => r.reflector.stop()));
        await clients.close();
      }
    }),
});
