/**
 * A real control plane for the `src/kube` integration tests (tests/infra/kube), and clients that
 * authenticate as a ServiceAccount with a bearer token, limited to the RBAC rules a test grants.
 *
 * Skips cleanly: `clusterSkipReason` says why when the binaries are not built or net is denied.
 */

import { type KubeApi, waitFor } from "../infra/kube/api_client.ts";
import { type Cluster, findKubeBinaries, startCluster } from "../infra/kube/cluster.ts";
import { spawnComponent, stopComponent } from "../infra/kube/processes.ts";
import { createKubeClients, type KubeClients, loadKubeConfig } from "../../src/kube/client.ts";

const netAllowed = (await Deno.permissions.query({ name: "net", host: "127.0.0.1" })).state ===
  "granted";
const binaries = await findKubeBinaries();

/** Why the cluster tests cannot run here, or undefined when they can. */
export const clusterSkipReason = !binaries
  ? "Kubernetes binaries are not built (run tests/infra/kube/build.sh)"
  : !netAllowed
  ? "needs --allow-net=127.0.0.1"
  : undefined;

if (clusterSkipReason) console.warn(`src/kube cluster tests skipped: ${clusterSkipReason}`);

/** One RBAC policy rule. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Namespace that holds the test ServiceAccounts. */
export const TEST_NAMESPACE = "local-lvm-test";

/** Starts a cluster for the duration of `body`, then stops it (also on failure). */
export async function withCluster(body: (cluster: Cluster) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "local-lvm-kube-" });
  const cluster = await startCluster({ dir, binaries });
  try {
    await cluster.api.create("/api/v1/namespaces", { metadata: { name: TEST_NAMESPACE } });
    await body(cluster);
  } finally {
    await cluster.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Creates ServiceAccount `name` bound to a ClusterRole with `rules`, mints a token for it, and
 * returns clients that use only that token (and the test CA).
 */
export async function serviceAccountClients(
  cluster: Cluster,
  name: string,
  rules: PolicyRule[],
): Promise<KubeClients> {
  const api = cluster.api;
  await api.create(`/api/v1/namespaces/${TEST_NAMESPACE}/serviceaccounts`, {
    metadata: { name },
  });
  await api.create("/apis/rbac.authorization.k8s.io/v1/clusterroles", {
    metadata: { name },
    rules,
  });
  await api.create("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [{ kind: "ServiceAccount", name, namespace: TEST_NAMESPACE }],
  });
  const request = await api.create(
    `/api/v1/namespaces/${TEST_NAMESPACE}/serviceaccounts/${name}/token`,
    { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} },
  );
  const config = loadKubeConfig({
    kind: "token",
    server: cluster.apiUrl,
    token: request.status.token,
    caFile: cluster.state.caCertFile,
  });
  return createKubeClients(config);
}

/** A PersistentVolume for tests (hostPath, 1Gi) with optional labels. */
export function testVolume(name: string, labels: Record<string, string> = {}) {
  return {
    apiVersion: "v1" as const,
    kind: "PersistentVolume" as const,
    metadata: { name, labels },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      hostPath: { path: `/tmp/${name}` },
      persistentVolumeReclaimPolicy: "Delete",
    },
  };
}

/** Deletes a PV and waits until it is really gone (the pv-protection finalizer goes first). */
export async function deleteVolume(api: KubeApi, name: string): Promise<void> {
  await api.delete(`/api/v1/persistentvolumes/${name}`);
  await waitFor(`PV ${name} to be gone`, async () => {
    return await api.getOrUndefined(`/api/v1/persistentvolumes/${name}`) === undefined;
  });
}

/**
 * Stops the API server (SIGTERM) and returns a function that starts it again with the same
 * command line and waits until it is ready. The cluster's process list is updated, so
 * `cluster.stop()` stops the new one.
 */
export async function stopApiserver(cluster: Cluster): Promise<() => Promise<void>> {
  const index = cluster.processes.findIndex((p) => p.name === "kube-apiserver");
  const old = cluster.processes[index] as (typeof cluster.processes)[number] & { args?: string[] };
  if (!old?.args) throw new Error("The harness no longer records the apiserver's arguments");
  const args = old.args;
  await stopComponent(old, 10_000);
  return async () => {
    cluster.processes[index] = spawnComponent({
      name: old.name,
      binary: old.binary,
      args,
      logFile: old.logFile,
    });
    await waitFor("the restarted apiserver to be ready", async () => {
      return await cluster.api.getText("/readyz").catch(() => undefined) !== undefined;
    }, 60_000);
  };
}
