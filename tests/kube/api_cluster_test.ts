/**
 * PV, claim and event operations against a real API server, as a ServiceAccount limited to the
 * RBAC rules below. Runs with the default sanitizers.
 */

import assert from "node:assert/strict";
import { waitFor } from "../infra/kube/api_client.ts";
import { ANN_SELECTED_NODE, FINALIZER } from "../../src/decide/names.ts";
import { ClaimApi } from "../../src/kube/claim_api.ts";
import { isForbidden, KubeApiError, toKubeApiError } from "../../src/kube/errors.ts";
import { ApiEventSink } from "../../src/kube/event_object.ts";
import { EventRecorder } from "../../src/kube/events.ts";
import { KubeVolumeApi } from "../../src/kube/kube_volume_api.ts";
import { AlreadyExistsError } from "../../src/kube/volume_api.ts";
import {
  clusterSkipReason,
  serviceAccountClients,
  testVolume,
  withCluster,
} from "./cluster_fixture.ts";
import { RecordingLogger } from "./recording_logger.ts";

const NS = "apps";
const PV_PROTECTION = "kubernetes.io/pv-protection";

Deno.test({
  name: "PV, claim and event operations against the API server",
  ignore: clusterSkipReason !== undefined,
  fn: () =>
    withCluster(async (cluster) => {
      const api = cluster.api;
      const clients = await serviceAccountClients(cluster, "agent-test", [
        {
          apiGroups: [""],
          resources: ["persistentvolumes"],
          verbs: ["get", "create", "patch", "delete"],
        },
        { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "patch"] },
        { apiGroups: [""], resources: ["persistentvolumeclaims/status"], verbs: ["patch"] },
        { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["list"] },
      ]);
      await api.create("/api/v1/namespaces", { metadata: { name: NS } });
      const volumes = new KubeVolumeApi(clients.http);
      const claims = new ClaimApi(clients.http);
      try {
        await volumeSteps(volumes, api);
        await claimSteps(claims, api);
        await eventSteps(clients.http, api);
        await forbiddenSteps(clients);
      } finally {
        await clients.close();
      }
    }),
});

type Admin = Parameters<Parameters<typeof withCluster>[0]>[0]["api"];

async function volumeSteps(volumes: KubeVolumeApi, api: Admin): Promise<void> {
  // Create, AlreadyExists, read.
  await volumes.createPersistentVolume(testVolume("pvc-1"));
  await assert.rejects(volumes.createPersistentVolume(testVolume("pvc-1")), AlreadyExistsError);
  const pv = await volumes.readPersistentVolume("pvc-1");
  assert.equal(pv?.kind, "PersistentVolume");
  assert.equal(typeof pv?.metadata.uid, "string");
  assert.equal(typeof (pv?.metadata as Record<string, unknown>).creationTimestamp, "string");
  assert.deepEqual(pv?.spec.hostPath, { path: "/tmp/pvc-1", type: "" });
  assert.equal(await volumes.readPersistentVolume("pvc-missing"), undefined);

  // Our finalizer joins the pv-protection one, once.
  // Let the controllers finish with the new PV (their finalizer, phase Available) first.
  await waitFor("pvc-1 to settle", async () => {
    const pv = await api.get("/api/v1/persistentvolumes/pvc-1");
    return pv.status?.phase === "Available" && pv.metadata.finalizers?.length > 0;
  });
  assert.equal(await volumes.addFinalizer("pvc-1"), true);
  const added = await volumes.readPersistentVolume("pvc-1");
  assert.deepEqual(added?.metadata.finalizers?.toSorted(), [FINALIZER, PV_PROTECTION].sort());
  assert.equal(await volumes.addFinalizer("pvc-1"), true);
  const again = await volumes.readPersistentVolume("pvc-1");
  assert.equal(again?.metadata.resourceVersion, added?.metadata.resourceVersion);
  assert.equal(await volumes.addFinalizer("pvc-missing"), false);

  // Deleted by someone else first: our finalizer holds the PV until we clean up (KEP-2644).
  await api.delete("/api/v1/persistentvolumes/pvc-1");
  const held = await waitFor("pv-protection to let go", async () => {
    const pv = await volumes.readPersistentVolume("pvc-1");
    return pv?.metadata.finalizers?.length === 1 && pv;
  });
  assert.equal(typeof held.metadata.deletionTimestamp, "string");
  assert.deepEqual(held.metadata.finalizers, [FINALIZER]);
  // Still there a moment later: nothing but our finalizer holds it now.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(await volumes.readPersistentVolume("pvc-1"));
  await volumes.deletePersistentVolume("pvc-1");
  await waitFor("pvc-1 to be gone", async () => !await volumes.readPersistentVolume("pvc-1"));

  // Our own delete: finalizer off, then delete; absent is success.
  await volumes.createPersistentVolume(testVolume("pvc-2"));
  await volumes.addFinalizer("pvc-2");
  await volumes.deletePersistentVolume("pvc-2");
  await waitFor("pvc-2 to be gone", async () => !await volumes.readPersistentVolume("pvc-2"));
  await volumes.deletePersistentVolume("pvc-2");
}

async function claimSteps(claims: ClaimApi, api: Admin): Promise<void> {
  const created = await api.create(`/api/v1/namespaces/${NS}/persistentvolumeclaims`, {
    metadata: { name: "data", annotations: { [ANN_SELECTED_NODE]: "node-a" } },
    spec: {
      storageClassName: "no-such-class",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
    },
  });
  const claim = await claims.readClaim(NS, "data");
  assert.equal(claim?.metadata.annotations?.[ANN_SELECTED_NODE], "node-a");
  assert.equal(await claims.readClaim(NS, "missing"), undefined);
  // Someone changed the claim since we read it: the precondition refuses.
  await api.patch(`/api/v1/namespaces/${NS}/persistentvolumeclaims/data`, {
    metadata: { labels: { touched: "yes" } },
  });
  const stale = created.metadata.resourceVersion;
  assert.deepEqual(await claims.removeSelectedNode(NS, "data", stale), { status: "conflict" });
  const fresh = (await claims.readClaim(NS, "data"))!.metadata.resourceVersion!;
  const removed = await claims.removeSelectedNode(NS, "data", fresh);
  assert.equal(removed.status, "patched");
  const afterRemove = await claims.readClaim(NS, "data");
  assert.equal(afterRemove?.metadata.annotations?.[ANN_SELECTED_NODE], undefined);
  assert.equal(afterRemove?.metadata.labels?.touched, "yes");
  const rv = afterRemove!.metadata.resourceVersion!;
  assert.equal((await claims.setSelectedNode(NS, "data", rv, "node-b")).status, "patched");
  assert.deepEqual(await claims.setSelectedNode(NS, "data", rv, "node-c"), { status: "conflict" });
  assert.equal(
    (await claims.readClaim(NS, "data"))?.metadata.annotations?.[ANN_SELECTED_NODE],
    "node-b",
  );
  assert.deepEqual(await claims.removeSelectedNode(NS, "missing", "1"), { status: "notFound" });
  const status = await claims.patchClaimStatus(NS, "data", {
    allocatedResources: { storage: "1Gi" },
  });
  const { allocatedResources } = status.status as { allocatedResources?: unknown };
  assert.deepEqual(allocatedResources, { storage: "1Gi" });
}

async function eventSteps(http: ConstructorParameters<typeof ApiEventSink>[0], api: Admin) {
  const logger = new RecordingLogger();
  const recorder = new EventRecorder({
    sink: new ApiEventSink(http),
    logger,
    reportingInstance: "node-a",
  });
  const claim = await api.get(`/api/v1/namespaces/${NS}/persistentvolumeclaims/data`);
  const target = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: claim.metadata };
  for (let i = 0; i < 3; i++) {
    recorder.warning(target, "ProvisioningFailed", 'Volume group "vg0" has insufficient space');
    await recorder.flush();
  }
  recorder.warning(target, "ProvisioningFailed", "x".repeat(3000) + " the last line");
  recorder.normal(target, "Provisioning", "External provisioner is provisioning volume");
  await recorder.flush();
  assert.deepEqual(logger.lines, []);
  const selector = encodeURIComponent(`involvedObject.uid=${claim.metadata.uid}`);
  const all = await api.get(`/api/v1/namespaces/${NS}/events?fieldSelector=${selector}`);
  // The PV binder writes its own events on the claim too.
  const items = all.items.filter((e: { reportingComponent: string }) => {
    return e.reportingComponent === "local-lvm.io/agent";
  });
  const byMessage = (text: string) =>
    items.find((e: { message: string }) => e.message.includes(text));
  const repeated = byMessage("insufficient space");
  assert.equal(items.length, 3);
  assert.equal(repeated.series?.count, 3);
  assert.equal(repeated.reason, "ProvisioningFailed");
  assert.equal(repeated.type, "Warning");
  assert.equal(repeated.reportingComponent, "local-lvm.io/agent");
  assert.equal(repeated.reportingInstance, "node-a");
  assert.equal(repeated.involvedObject.resourceVersion, claim.metadata.resourceVersion);
  const long = byMessage("the last line");
  assert.equal(long.message.length, 1024);
  assert.equal(byMessage("is provisioning").type, "Normal");
}

async function forbiddenSteps(clients: Awaited<ReturnType<typeof serviceAccountClients>>) {
  const refused = await clients.http.request(
    "DELETE",
    `/api/v1/namespaces/${NS}/persistentvolumeclaims/data`,
  )
    .then(() => undefined, (error) => error);
  assert.ok(refused instanceof KubeApiError);
  assert.ok(isForbidden(refused));
  assert.match(
    refused.message,
    /not allowed to delete persistentvolumeclaims in API group "" in namespace "apps"/,
  );
  assert.match(refused.message, /system:serviceaccount:local-lvm-test:agent-test/);
  // The typed client-node APIs share the credentials, and their errors classify the same way.
  const nodes = await clients.core.listNode();
  assert.ok(Array.isArray(nodes.items));
  const typed = await clients.core.listNamespace().then(() => undefined, (error) => error);
  assert.ok(isForbidden(typed));
  assert.equal(toKubeApiError(typed, "GET", "/api/v1/namespaces")?.status, 403);
}
