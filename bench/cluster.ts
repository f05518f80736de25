/**
 * The bench's control plane: the test tier's real kube-apiserver/etcd/controller-manager/scheduler
 * with deploy/ applied, one cordoned node for the per-claim latency, N schedulable nodes for the
 * bulk run, one agent process per node on its own simulated host, logging at `info` as in a
 * cluster, and watches stamped in this process. Each simulated node runs in a server process of
 * its own (src/host/sim/sim_server.ts), so an agent, as on a real node, holds no node state and
 * its figures are its own; `simInAgent` puts the node back into the agent's process.
 *
 * @module
 */

import { join } from "node:path";
import { type Environment, startEnvironment } from "../tests/agent/environment.ts";
import { AgentProcess } from "../tests/agent/agent_process.ts";
import { StampedEvent, StampedWatch } from "./watch.ts";

const GiB = 1024 ** 3;
/** The node of the per-claim latency run; cordoned so the scheduler never picks it. */
export const LATENCY_NODE = "lat-1";

/** A started bench cluster. */
export interface BenchCluster {
  env: Environment;
  bulkNodes: string[];
  /** Starts a stamped watch of a collection path (the admin's view). */
  watch(path: string, onEvent: (e: StampedEvent) => void): Promise<StampedWatch>;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Starts the control plane and every agent; `denoFlags` go to each agent's `deno run`. */
export async function startBenchCluster(
  bulkNodeCount: number,
  options: {
    agentDenoFlags?: (node: string) => string[];
    /** kube-controller-manager's --kube-api-qps (burst twice that); its default is 20. */
    controllerManagerQps?: number;
    /** Run each simulated node inside its agent's process (the bench before the sim server). */
    simInAgent?: boolean;
  } = {},
): Promise<BenchCluster> {
  const bulkNodes = Array.from({ length: bulkNodeCount }, (_, i) => `node-${i + 1}`);
  const env = await startEnvironment(
    [
      { name: LATENCY_NODE, vgs: [{ name: "vg1", sizeBytes: 1024 * GiB }] },
      ...bulkNodes.map((name) => ({ name, vgs: [{ name: "vg1", sizeBytes: 256 * GiB }] })),
    ],
    {
      agents: false,
      simServer: !options.simInAgent,
      extraArgs: options.controllerManagerQps
        ? {
          "kube-controller-manager": [
            `--kube-api-qps=${options.controllerManagerQps}`,
            `--kube-api-burst=${options.controllerManagerQps * 2}`,
          ],
        }
        : undefined,
    },
  );
  try {
    await env.api.patch(`/api/v1/nodes/${LATENCY_NODE}`, { spec: { unschedulable: true } });
    await Promise.all(env.nodes.map(async ({ name }) => {
      const agent = new AgentProcess({
        node: name,
        dir: join(env.dir, name),
        kubeconfig: env.kubeconfig,
        configPath: join(env.configDir, "config.json"),
        hostSetting: env.hostSetting(name),
        httpPort: freePort(),
        // As deployed: debug logging would measure the log, not the agent.
        extraEnv: { LOCAL_LVM_LOG_LEVEL: Deno.env.get("BENCH_AGENT_LOG_LEVEL") ?? "info" },
        denoFlags: [
          ...options.agentDenoFlags?.(name) ?? [],
          // For experiments, e.g. BENCH_AGENT_DENO_FLAGS=--v8-flags=--max-semi-space-size=2
          ...(Deno.env.get("BENCH_AGENT_DENO_FLAGS")?.split(/\s+/).filter(Boolean) ?? []),
        ],
      });
      env.agents.set(name, agent);
      await agent.start();
      await agent.waitReady(60_000);
    }));
  } catch (error) {
    await env.stop();
    throw error;
  }
  const caCertPem = await Deno.readTextFile(env.cluster.state.caCertFile);
  return {
    env,
    bulkNodes,
    async watch(path, onEvent) {
      const w = new StampedWatch(
        { server: env.cluster.apiUrl, token: env.cluster.adminToken, caCertPem },
        path,
        onEvent,
      );
      await w.start();
      return w;
    },
  };
}

/** Runs `fn` over `items` with at most `limit` at a time. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A promise with its resolve function, settled at most once. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Rejects after `ms` with a message saying what was awaited. */
export function within<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
