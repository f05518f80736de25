/**
 * Dev-loop CLI for the test control plane.
 *
 *   up [--nodes N] [--dir D] [--foreground]   build if needed, start, print KUBECONFIG
 *   status [--dir D]                          components, readiness, nodes (exit 1 if not healthy)
 *   down [--dir D]                            stop everything, check no process or port is left
 *
 * `up` detaches the components (they outlive this command, state in D/state.json) so the shell is
 * free for kubectl; `down` stops them. With `--foreground` it stays attached until Ctrl-C instead.
 * Default dir: <repo>/.cache/kube-cluster (git-ignored).
 *
 * Run: deno run --allow-read --allow-write --allow-run --allow-net=127.0.0.1
 *        --allow-env=HOME,XDG_CACHE_HOME tests/infra/kube/cluster_cli.ts up --nodes 3
 * @module
 */

import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { STATE_FILE } from "./cluster_handle.ts";
import { ensureKubeBinaries, loadCluster, startCluster } from "./cluster.ts";

const DEFAULT_DIR = fileURLToPath(new URL("../../../.cache/kube-cluster", import.meta.url));

const USAGE = "usage: cluster_cli.ts up [--nodes N] [--dir D] [--foreground] | status | down";

async function hasState(dir: string): Promise<boolean> {
  try {
    await Deno.stat(`${dir}/${STATE_FILE}`);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

async function up(dir: string, nodes: number, foreground: boolean): Promise<number> {
  const binaries = await ensureKubeBinaries();
  const cluster = await startCluster({
    dir,
    nodes,
    binaries,
    detached: !foreground,
    progress: (message) => console.error(message),
  });
  console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
  console.log(`# kubectl: ${binaries.kubectl}`);
  if (!foreground) {
    console.log(`# stop with: cluster_cli.ts down --dir ${dir}`);
    return 0;
  }
  console.error("[cluster] running; Ctrl-C stops it");
  await new Promise<void>((resolve) => {
    const stop = () => {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
      resolve();
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
  await cluster.stop();
  console.error("[cluster] stopped");
  return 0;
}

async function status(dir: string): Promise<number> {
  if (!await hasState(dir)) {
    console.log(`no cluster in ${dir}`);
    return 1;
  }
  const cluster = await loadCluster(dir);
  try {
    let healthy = true;
    for (const component of cluster.status()) {
      healthy &&= component.running;
      const state = component.running ? "running" : "NOT RUNNING";
      console.log(`${component.name.padEnd(24)} pid ${component.pid} ${state}`);
    }
    console.log(`api ${cluster.apiUrl} (${cluster.state.kubernetesVersion})`);
    console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
    try {
      console.log(`readyz: ${await cluster.api.getText("/readyz")}`);
      const nodes = await cluster.api.get("/api/v1/nodes");
      console.log(
        `nodes: ${nodes.items.map((n: { metadata: { name: string } }) => n.metadata.name)}`,
      );
    } catch (error) {
      healthy = false;
      console.log(`api not reachable: ${error instanceof Error ? error.message : error}`);
    }
    return healthy ? 0 : 1;
  } finally {
    cluster.api.close();
  }
}

async function down(dir: string): Promise<number> {
  if (!await hasState(dir)) {
    console.log(`no cluster in ${dir}`);
    return 0;
  }
  await (await loadCluster(dir)).stop();
  console.log(`stopped the cluster in ${dir}`);
  return 0;
}

async function main(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      dir: { type: "string", default: DEFAULT_DIR },
      nodes: { type: "string", default: "3" },
      foreground: { type: "boolean", default: false },
    },
  });
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 0) {
    throw new Error(`--nodes must be a count: ${values.nodes}`);
  }
  switch (positionals[0]) {
    case "up":
      return await up(values.dir, nodes, values.foreground);
    case "status":
      return await status(values.dir);
    case "down":
      return await down(values.dir);
    default:
      console.error(USAGE);
      return 2;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
