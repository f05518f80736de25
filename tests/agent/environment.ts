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

const ROOT = new URL("../../", import.meta.url).pathname;
const NAMESPACE = "local-lvm-storage";
/** Sizes of test VGs and claims. */
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;
/** Agents may only read and write below this directory (their permission flags say so). */
export const STATE_ROOT = "/var/lib/local-lvm";

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

  /** Starts (or restarts) the agent of a node and waits until it is ready. */
  async startAgent(node: string): Promise<AgentProcess> {
    let agent = this.agents.get(node);
    if (!agent) {
      agent = new AgentProcess({
        node,
        dir: join(this.dir, node),
        kubeconfig: this.kubeconfig,
        configPath: join(this.configDir, "config.json"),
        hostSetting: this.nodes.find((n) => n.name === node)?.host ?? `sim:${this.nodeFile(node)}`,
        httpPort: freePort(),
        extraEnv: this.agentEnv,
      });
      this.agents.set(node, agent);
    }
    await agent.start();
    await agent.waitReady();
    return agent;
  }

  /** Stops every agent, then the cluster, and removes the state. */
  async stop(): Promise<void> {
    for (const agent of this.agents.values()) await agent.stop("SIGTERM");
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

/** Starts the control plane, applies deploy/, and starts one agent per node. */
export async function startEnvironment(
  nodes: TestNode[],
  options: {
    agents?: boolean;
    agentEnv?: Record<string, string>;
    extraArgs?: ClusterOptions["extraArgs"];
  } = {},
): Promise<Environment> {
  await Deno.mkdir(STATE_ROOT, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: STATE_ROOT, prefix: "test-" });
  const cluster = await startCluster({
    dir: join(dir, "cluster"),
    nodes: nodes.map((n) => n.name),
    extraArgs: options.extraArgs,
  });
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
    const env = new Environment(cluster, dir, kubeconfig, nodes);
    env.agentEnv = options.agentEnv ?? {};
    await env.projectConfig();
    for (const node of nodes) {
      await Deno.mkdir(join(dir, node.name), { recursive: true });
      if (!node.host) await FileBackedHost.init(env.nodeFile(node.name), { vgs: node.vgs });
    }
    if (options.agents ?? true) {
      await Promise.all(nodes.map((n) => env.startAgent(n.name)));
    }
    return env;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

export { run, waitFor };
