/**
 * A running test cluster: its API client, kubectl, fake nodes, and a `stop()` that proves nothing is
 * left behind. `state.json` in the cluster dir lets another process (the CLI's `down`) find it again.
 * @module
 */

import { join } from "node:path";
import { KubeApi } from "./api_client.ts";
import type { ClusterPorts } from "./components.ts";
import { addNode, type NodeCapacity, removeNode } from "./fake_nodes.ts";
import {
  type ComponentProcess,
  isAlive,
  portIsFree,
  runsBinary,
  stopComponent,
} from "./processes.ts";

/** Name of the state file inside the cluster dir. */
export const STATE_FILE = "state.json";

/** What a cluster writes to `state.json`. */
export interface ClusterState {
  dir: string;
  apiUrl: string;
  kubeconfig: string;
  adminToken: string;
  caCertFile: string;
  kubectl: string;
  kubernetesVersion: string;
  etcdVersion: string;
  ports: ClusterPorts;
  /** In start order: etcd, kube-apiserver, kube-controller-manager, kube-scheduler. */
  processes: Omit<ComponentProcess, "child">[];
}

/** Liveness of one component, as `status` reports it. */
export interface ComponentStatus {
  name: string;
  pid: number;
  running: boolean;
}

/** A started (or re-attached) cluster. */
export class Cluster {
  /** Admin client (group system:masters). */
  readonly api: KubeApi;
  #onUnload?: () => void;
  #stopped = false;

  constructor(
    readonly state: ClusterState,
    readonly processes: ComponentProcess[],
    caCertPem: string,
  ) {
    this.api = new KubeApi(state.apiUrl, state.adminToken, caCertPem);
  }

  /** Admin kubeconfig path (bearer token, test CA). */
  get kubeconfig(): string {
    return this.state.kubeconfig;
  }

  /** `https://127.0.0.1:<port>`. */
  get apiUrl(): string {
    return this.state.apiUrl;
  }

  /** Bearer token of the admin user. */
  get adminToken(): string {
    return this.state.adminToken;
  }

  /**
   * Kills every component with SIGKILL when this Deno process exits without `stop()` (for example a
   * test that threw before its `finally`). Only for processes this one spawned.
   */
  killOnExit(): void {
    this.#onUnload = () => {
      for (const process of this.processes) {
        if (isAlive(process.pid)) Deno.kill(process.pid, "SIGKILL");
      }
    };
    globalThis.addEventListener("unload", this.#onUnload);
  }

  /** Adds a Ready fake node labelled `kubernetes.io/hostname=<name>`. */
  addNode(name: string, labels?: Record<string, string>, capacity?: NodeCapacity): Promise<void> {
    return addNode(this.api, name, labels, capacity);
  }

  /** Deletes a node and waits until it is gone. */
  removeNode(name: string): Promise<void> {
    return removeNode(this.api, name);
  }

  /**
   * Runs the built kubectl against this cluster; returns stdout, throws with stderr on failure.
   *
   * @example
   * ```ts ignore
   * const nodes = await cluster.kubectl(["get", "nodes", "-o", "name"]);
   * await cluster.kubectl(["apply", "-f", "-"], manifestYaml);
   * ```
   */
  async kubectl(args: string[], stdin?: string): Promise<string> {
    const child = new Deno.Command(this.state.kubectl, {
      args: [`--kubeconfig=${this.kubeconfig}`, ...args],
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin", HOME: this.state.dir, LC_ALL: "C" },
      stdin: stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(stdin));
      await writer.close();
    }
    const { code, stdout, stderr } = await child.output();
    const decoder = new TextDecoder();
    if (code !== 0) {
      throw new Error(`kubectl ${args.join(" ")} failed (${code}): ${decoder.decode(stderr)}`);
    }
    return decoder.decode(stdout);
  }

  /** Which components are running. */
  status(): ComponentStatus[] {
    return this.processes.map(({ name, pid, binary }) => ({
      name,
      pid,
      running: runsBinary(pid, binary),
    }));
  }

  /**
   * Stops the components in reverse start order (SIGTERM, SIGKILL after `graceMs`), waits for them
   * to exit, then checks that no process is left and every port is free again.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.api.close();
    if (this.#onUnload) globalThis.removeEventListener("unload", this.#onUnload);
    const [etcd, apiserver, ...clients] = this.processes;
    const errors: unknown[] = [];
    const stopAll = async (processes: (ComponentProcess | undefined)[]) => {
      const results = await Promise.allSettled(
        processes.filter((p) => p !== undefined).map((p) => stopComponent(p, graceMs)),
      );
      for (const result of results) if (result.status === "rejected") errors.push(result.reason);
    };
    await stopAll(clients);
    await stopAll([apiserver]);
    await stopAll([etcd]);
    const left = this.processes.filter((p) => runsBinary(p.pid, p.binary));
    if (left.length > 0) errors.push(new Error(`Still running: ${left.map((p) => p.name)}`));
    const busy = Object.entries(this.state.ports).filter(([, port]) => !portIsFree(port));
    if (busy.length > 0) errors.push(new Error(`Ports still in use: ${JSON.stringify(busy)}`));
    await Deno.remove(join(this.state.dir, STATE_FILE)).catch(() => {});
    if (errors.length > 0) throw new AggregateError(errors, "Cluster did not stop cleanly");
  }
}

/**
 * Re-attaches to a cluster started (detached) by another process, from its `state.json`.
 *
 * @example
 * ```ts ignore
 * const cluster = await loadCluster(".cache/kube-cluster");
 * await cluster.stop();
 * ```
 */
export async function loadCluster(dir: string): Promise<Cluster> {
  const state: ClusterState = JSON.parse(await Deno.readTextFile(join(dir, STATE_FILE)));
  const ca = await Deno.readTextFile(state.caCertFile);
  return new Cluster(state, state.processes.map((p) => ({ ...p })), ca);
}
