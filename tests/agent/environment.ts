/**
 * A whole test environment: the real control plane, deploy/ applied to it, and one agent
 * process per fake node, each on its own simulated node, each authenticated with the
 * ServiceAccount token of deploy/ (so a permission missing from deploy/rbac.yaml fails
 * the test as it would fail in a cluster).
 */
import { join } from "node:path";
import { type Cluster, type ClusterOptions, startCluster } from "../infra/kube/cluster.ts";
import { type KubeApi, waitFor } from "../infra/kube/api_client.ts";
import { FileBackedHost, type NodeFaults, type VgSeed, withNode } from "../../src/host/sim/mod.ts";
import type { SimulatedHost } from "../../src/host/sim/host.ts";
import { AgentProcess } from "./agent_process.ts";
import { projectConfigMap } from "./config_projection.ts";
import { SimServerProcess } from "./sim_server_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const NAMESPACE = "local-lvm-storage";
/** Sizes of test VGs and claims. */
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;
/** Agents may only read and write below this directory (their permission flags say so). */
export const STATE_ROOT = "/var/lib/local-lvm";
/**
 * Set to `1` to run every simulated node of every environment as a server process (see
 * {@link EnvironmentOptions.simServer}) without changing the tests.
 */
export const SIM_SERVER_ENV = "LOCAL_LVM_TEST_SIM_SERVER";

/** One node of the environment. */
export interface TestNode {
  name: string;
  /** The simulated node's volume groups (ignored with `host`). */
  vgs: VgSeed[];
  /**
   * The agent's `LOCAL_LVM_HOST`, e.g. `remote:127.0.0.1:<port>` for the QEMU guest.
   * Default: a simulated node in its own state file, seeded with `vgs`.
   */
  host?: string;
}

/** A running environment. */
export class Environment {
  readonly agents = new Map<string, AgentProcess>();
  /** The simulated nodes served by processes of their own, by node (see `simServer`). */
  readonly simServers = new Map<string, SimServerProcess>();
  /** Extra environment of every agent (e.g. short Lease timings). */
  agentEnv: Record<string, string> = {};

  constructor(
    readonly cluster: Cluster,
    readonly dir: string,
    readonly kubeconfig: string,
    readonly nodes: TestNode[],
  ) {}

  get api(): KubeApi {
    return this.cluster.api;
  }

  nodeFile(node: string): string {
    return join(this.dir, node, "node.json");
  }

  get configDir(): string {
    return join(this.dir, "config");
  }

  /** Reads or arranges a node's simulated state. */
  node<T>(name: string, fn: (host: SimulatedHost, faults: NodeFaults) => T): Promise<T> {
    return withNode(this.nodeFile(name), fn);
  }

  /** The names of a node's LVs, sorted. */
  async lvNames(node: string): Promise<string[]> {
    return (await this.node(node, (h) => h.listLvs())).map((lv) => lv.name).sort();
  }

  /** Copies the ConfigMap into the agents' config directory, as the kubelet would. */
  async projectConfig(): Promise<void> {
    const cm = await this.api.get(`/api/v1/namespaces/${NAMESPACE}/configmaps/local-lvm-config`);
    await projectConfigMap(this.configDir, cm.data);
  }

  /** Replaces the ConfigMap's config.json and projects it. */
  async setConfig(configJson: unknown): Promise<void> {
    await this.api.patch(`/api/v1/namespaces/${NAMESPACE}/configmaps/local-lvm-config`, {
      data: { "config.json": JSON.stringify(configJson, null, 2) },
    });
    await this.projectConfig();
  }

  /**
   * The node's `LOCAL_LVM_HOST`: the node's own `host`, else its simulated node, through its
   * server when it has one, else in the agent's process.
   */
  hostSetting(node: string): string {
    const own = this.nodes.find((n) => n.name === node)?.host;
    if (own) return own;
    return this.simServers.get(node)?.hostSetting ?? `sim:${this.nodeFile(node)}`;
  }

  /** Starts (or restarts) the agent of a node and waits until it is ready. */
  async startAgent(node: string): Promise<AgentProcess> {
    let agent = this.agents.get(node);
    if (!agent) {
      agent = new AgentProcess({
        node,
        dir: join(this.dir, node),
        kubeconfig: this.kubeconfig,
        configPath: join(this.configDir, "config.json"),
        hostSetting: this.hostSetting(node),
        httpPort: freePort(),
        extraEnv: this.agentEnv,
      });
      this.agents.set(node, agent);
    }
    await agent.start();
    await agent.waitReady();
    return agent;
  }

  /** Stops every agent, then their node servers and the cluster, and removes the state. */
  async stop(): Promise<void> {
    for (const agent of this.agents.values()) await agent.stop("SIGTERM");
    await Promise.all([...this.simServers.values()].map((server) => server.stop()));
    await this.cluster.stop();
    if (!Deno.env.get("LOCAL_LVM_KEEP_TEST_STATE")) {
      await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    }
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function run(cmd: string, args: string[], stdin?: string): Promise<string> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

/** How {@link startEnvironment} sets up. */
export interface EnvironmentOptions {
  /** Start every node's agent (default true). */
  agents?: boolean;
  agentEnv?: Record<string, string>;
  extraArgs?: ClusterOptions["extraArgs"];
  /**
   * Serve each simulated node from a process of its own (src/host/sim/sim_server.ts) that the
   * agent reaches as `remote:127.0.0.1:<port>`, so the agent holds no node state, as on a real
   * node; the server lives as long as the environment, so an agent killed and restarted finds
   * it. Default: `LOCAL_LVM_TEST_SIM_SERVER=1`, else the node in the agent's process.
   */
  simServer?: boolean;
}

/** Starts the control plane, applies deploy/, and starts one agent per node. */
export async function startEnvironment(
  nodes: TestNode[],
  options: EnvironmentOptions = {},
): Promise<Environment> {
  await Deno.mkdir(STATE_ROOT, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: STATE_ROOT, prefix: "test-" });
  const cluster = await startCluster({
    dir: join(dir, "cluster"),
    nodes: nodes.map((n) => n.name),
    extraArgs: options.extraArgs,
  });
  let env: Environment | undefined;
  try {
    // Server-side apply: the API server validates every field of every manifest.
    await cluster.kubectl([
      "apply",
      "--server-side",
      "--field-manager=tests",
      "-k",
      join(ROOT, "deploy"),
    ]);
    const token = (await cluster.kubectl([
      "create",
      "token",
      "local-lvm-agent",
      "-n",
      NAMESPACE,
      "--duration=4h",
    ])).trim();
    const ca = join(dir, "ca.crt");
    await Deno.copyFile(cluster.state.caCertFile, ca);
    const kubeconfig = join(dir, "agent.kubeconfig");
    await Deno.writeTextFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{
          name: "test",
          cluster: { server: cluster.apiUrl, "certificate-authority": ca },
        }],
        users: [{ name: "agent", user: { token } }],
        contexts: [{
          name: "agent",
          context: { cluster: "test", user: "agent", namespace: NAMESPACE },
        }],
        "current-context": "agent",
      }),
    );
    const started = new Environment(cluster, dir, kubeconfig, nodes);
    env = started;
    env.agentEnv = options.agentEnv ?? {};
    await env.projectConfig();
    const simServer = options.simServer ?? Deno.env.get(SIM_SERVER_ENV) === "1";
    for (const node of nodes) {
      await Deno.mkdir(join(dir, node.name), { recursive: true });
      if (node.host) continue;
      await FileBackedHost.init(env.nodeFile(node.name), { vgs: node.vgs });
      if (simServer) env.simServers.set(node.name, new SimServerProcess(env.nodeFile(node.name)));
    }
    await Promise.all([...env.simServers.values()].map((server) => server.start()));
    if (options.agents ?? true) {
      await Promise.all(nodes.map((n) => started.startAgent(n.name)));
    }
    return env;
  } catch (error) {
    // The state stays for a look; no process started here outlives the failure.
    for (const agent of env?.agents.values() ?? []) await agent.stop("SIGKILL");
    await Promise.all([...env?.simServers.values() ?? []].map((server) => server.stop()));
    await cluster.stop();
    throw error;
  }
}

export { run, waitFor };
