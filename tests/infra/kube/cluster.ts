/**
 * A real Kubernetes control plane for tests: etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler on 127.0.0.1, built by build.sh, with fake Nodes and no kubelet.
 *
 * Sanitizers: a cluster started and stopped inside one Deno.test leaks nothing. A cluster shared by
 * several tests outlives each of them, so those tests need `sanitizeOps: false` and
 * `sanitizeResources: false`.
 * @module
 */

import { join } from "node:path";
import { KubeApi } from "./api_client.ts";
import { findKubeBinaries, type KubeBinaries } from "./binaries.ts";
import { Cluster, type ClusterState, loadCluster, STATE_FILE } from "./cluster_handle.ts";
import {
  apiserverArgs,
  clusterLayout,
  type ClusterPorts,
  controllerManagerArgs,
  etcdArgs,
  schedulerArgs,
  writeKubeconfig,
  writeTokens,
} from "./components.ts";
import { createPki } from "./pki.ts";
import {
  type ComponentProcess,
  freePorts,
  isAlive,
  logTail,
  runsBinary,
  spawnComponent,
  stopComponent,
} from "./processes.ts";

export { Cluster, type ClusterState, loadCluster };
export { ensureKubeBinaries, findKubeBinaries, type KubeBinaries } from "./binaries.ts";

/** The components, by the name of their binary and log file. */
export type ComponentName =
  | "etcd"
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler";

/** Options of {@linkcode startCluster}. */
export interface ClusterOptions {
  /** State directory: certificates, etcd data, kubeconfigs, one log per component. */
  dir: string;
  /** Fake node names, or a count (`node-1`...`node-N`). */
  nodes?: string[] | number;
  /** Secure port of the API server; free by default. */
  apiPort?: number;
  /** Defaults to the binaries build.sh has cached. */
  binaries?: KubeBinaries;
  /** Components survive the exit of this process (the CLI's `up`). */
  detached?: boolean;
  /** Extra flags per component, appended last (so they win), e.g. feature gates. */
  extraArgs?: Partial<Record<ComponentName, string[]>>;
  /** Per component start-up timeout. */
  startTimeoutMs?: number;
  /** Progress lines, e.g. `console.error`. */
  progress?: (message: string) => void;
}

/** Why a component did not start; the message carries the tail of its log. */
export class ComponentStartError extends Error {
  constructor(readonly component: string, reason: string, readonly logFileTail: string) {
    super(`${component} ${reason}. Last lines of its log:\n${logFileTail}`);
    this.name = "ComponentStartError";
  }
}

async function untilReady(
  process: ComponentProcess,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (true) {
    try {
      if (await probe()) return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (!isAlive(process.pid)) {
      throw new ComponentStartError(
        process.name,
        "exited during start-up",
        await logTail(process.logFile),
      );
    }
    if (Date.now() >= deadline) {
      const reason = `was not ${what} after ${timeoutMs} ms${last ? ` (${last})` : ""}`;
      throw new ComponentStartError(process.name, reason, await logTail(process.logFile));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** GET `path` (anonymously over plain HTTP without a client); true on 2xx, throws otherwise. */
async function httpOk(client: KubeApi | string, path: string): Promise<boolean> {
  if (client instanceof KubeApi) return (await client.getText(path)) !== undefined;
  const response = await fetch(client + path);
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${body}`);
  return true;
}

async function refuseRunningCluster(dir: string): Promise<void> {
  try {
    const state: ClusterState = JSON.parse(await Deno.readTextFile(join(dir, STATE_FILE)));
    const running = state.processes.filter((p) => runsBinary(p.pid, p.binary));
    if (running.length > 0) {
      throw new Error(`A cluster is already running in ${dir} (${running.map((p) => p.name)})`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

function nodeNames(nodes: string[] | number | undefined): string[] {
  if (Array.isArray(nodes)) return nodes;
  return Array.from({ length: nodes ?? 0 }, (_, i) => `node-${i + 1}`);
}

/**
 * Starts a control plane in `options.dir` and waits until it is usable: apiserver /readyz, both
 * controllers' /healthz, the default namespace and its default ServiceAccount, and the fake nodes.
 * On failure everything already started is stopped and the error carries the failing log's tail.
 *
 * @example
 * ```ts ignore
 * const cluster = await startCluster({ dir: await Deno.makeTempDir(), nodes: 3 });
 * try {
 *   console.log(await cluster.kubectl(["get", "nodes"]));
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const started = Date.now();
  const progress = (message: string) =>
    options.progress?.(`[cluster] ${((Date.now() - started) / 1000).toFixed(1)}s ${message}`);
  const bins = options.binaries ?? await findKubeBinaries();
  if (!bins) throw new Error("Kubernetes binaries are not built: run tests/infra/kube/build.sh");
  const timeout = options.startTimeoutMs ?? 120_000;
  const dir = options.dir;
  await Deno.mkdir(dir, { recursive: true });
  await refuseRunningCluster(dir);
  // Every start is a fresh cluster: stale etcd data would hold objects signed by an old CA/key.
  await Deno.remove(join(dir, "etcd-data"), { recursive: true }).catch(() => {});
  const layout = clusterLayout(dir, await createPki(join(dir, "pki")));
  const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler] = freePorts(5);
  const ports: ClusterPorts = {
    etcdClient,
    etcdPeer,
    apiserver: options.apiPort ?? apiserver,
    controllerManager,
    scheduler,
  };
  const apiUrl = `https://127.0.0.1:${ports.apiserver}`;
  const tokens = await writeTokens(layout);
  const ca = layout.pki.caCert;
  await writeKubeconfig(layout.adminKubeconfig, apiUrl, ca, "local-lvm-admin", tokens.admin);
  await writeKubeconfig(
    layout.controllerManagerKubeconfig,
    apiUrl,
    ca,
    "system:kube-controller-manager",
    tokens.controllerManager,
  );
  await writeKubeconfig(
    layout.schedulerKubeconfig,
    apiUrl,
    ca,
    "system:kube-scheduler",
    tokens.scheduler,
  );
  const caPem = await Deno.readTextFile(ca);

  const processes: ComponentProcess[] = [];
  const launch = (name: ComponentName, binary: string, baseArgs: string[]) => {
    const logFile = join(dir, `${name}.log`);
    const args = [...baseArgs, ...options.extraArgs?.[name] ?? []];
    const process = spawnComponent({ name, binary, args, logFile, detached: options.detached });
    processes.push(process);
    progress(`${name} started (pid ${process.pid}, log ${logFile})`);
    return process;
  };
  const state: ClusterState = {
    dir,
    apiUrl,
    kubeconfig: layout.adminKubeconfig,
    adminToken: tokens.admin,
    caCertFile: ca,
    kubectl: bins.kubectl,
    kubernetesVersion: bins.kubernetesVersion,
    etcdVersion: bins.etcdVersion,
    ports,
    processes: [],
  };
  const cluster = new Cluster(state, processes, caPem);
  const anonymous = (port: number) => new KubeApi(`https://127.0.0.1:${port}`, "", caPem);
  const health = [anonymous(ports.controllerManager), anonymous(ports.scheduler)];
  try {
    const etcd = launch("etcd", bins.etcd, etcdArgs(layout, ports));
    const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
    await untilReady(etcd, "healthy", () => httpOk(etcdUrl, "/health"), timeout);
    progress("etcd healthy");
    const api = launch("kube-apiserver", bins.kubeApiserver, apiserverArgs(layout, ports));
    await untilReady(api, "ready", () => httpOk(cluster.api, "/readyz"), timeout);
    progress("kube-apiserver ready");
    const [kcm, sched] = [
      launch(
        "kube-controller-manager",
        bins.kubeControllerManager,
        controllerManagerArgs(layout, ports),
      ),
      launch("kube-scheduler", bins.kubeScheduler, schedulerArgs(layout, ports)),
    ];
    await Promise.all([
      untilReady(kcm, "healthy", () => httpOk(health[0], "/healthz"), timeout),
      untilReady(sched, "healthy", () => httpOk(health[1], "/healthz"), timeout),
    ]);
    progress("kube-controller-manager and kube-scheduler healthy");
    // The serviceaccount controller creates it: proof that the controllers reach the API.
    const defaultSa = "/api/v1/namespaces/default/serviceaccounts/default";
    await untilReady(kcm, "creating the default ServiceAccount", async () => {
      return await cluster.api.getOrUndefined(defaultSa) !== undefined;
    }, timeout);
    for (const name of nodeNames(options.nodes)) await cluster.addNode(name);
    state.processes = processes.map(({ child: _child, ...rest }) => rest);
    // It holds the admin token.
    await Deno.writeTextFile(join(dir, STATE_FILE), JSON.stringify(state, null, 2) + "\n", {
      mode: 0o600,
    });
    if (!options.detached) cluster.killOnExit();
    progress(`ready: ${apiUrl}, kubeconfig ${layout.adminKubeconfig}`);
    return cluster;
  } catch (error) {
    cluster.api.close();
    await Promise.allSettled(processes.toReversed().map((p) => stopComponent(p, 5_000)));
    throw error;
  } finally {
    for (const client of health) client.close();
  }
}
