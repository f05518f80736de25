/**
 * `deno task dev`: try local-lvm with no cluster. Starts a real control plane (etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler) on loopback with fake nodes,
 * applies deploy/, runs one agent per node on a simulated LVM node, applies examples/
 * and shows the claim go Bound. Then keeps running, printing the kubeconfig to use with
 * kubectl, until Ctrl-C.
 *
 *   deno task dev [--nodes N] [--exit]      (--exit: stop after the claim is Bound)
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { ensureKubeBinaries } from "./kube/cluster.ts";
import { startEnvironment } from "../agent/environment.ts";
import { waitBound } from "../agent/claims.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const GiB = 1024 ** 3;

const { values } = parseArgs({
  args: Deno.args,
  options: { nodes: { type: "string", default: "3" }, exit: { type: "boolean", default: false } },
});
const count = Number(values.nodes);
if (!Number.isInteger(count) || count < 1) throw new Error("--nodes must be a positive number");

const say = (s: string) => console.log(`[dev] ${s}`);
say("building or finding the Kubernetes binaries (the first build takes a few minutes)");
await ensureKubeBinaries();
const nodes = Array.from({ length: count }, (_, i) => ({
  name: `node-${i + 1}`,
  vgs: [{ name: "vg1", sizeBytes: 20 * GiB }],
}));
say(`starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler and ${count} agents`);
const env = await startEnvironment(nodes);
try {
  const kubectl = (...args: string[]) => env.cluster.kubectl(args);
  say("applying examples/pvc.yaml and examples/pod.yaml");
  await kubectl(
    "apply",
    "-f",
    join(ROOT, "examples/pvc.yaml"),
    "-f",
    join(ROOT, "examples/pod.yaml"),
  );
  await waitBound(env.api, "local-lvm-pvc", 60_000);
  console.log(await kubectl("get", "pv,pvc", "-o", "wide"));
  console.log(await kubectl("get", "pod", "volume-test", "-o", "wide"));
  say(`kubectl: ${env.cluster.state.kubectl} --kubeconfig ${env.cluster.kubeconfig} get pv,pvc`);
  say(`agent logs: ${env.dir}/<node>/agent.log; simulated nodes: ${env.dir}/<node>/node.json`);
  if (!values.exit) {
    say("running; Ctrl-C stops everything");
    const stop = Promise.withResolvers<void>();
    Deno.addSignalListener("SIGINT", () => stop.resolve());
    Deno.addSignalListener("SIGTERM", () => stop.resolve());
    await stop.promise;
  }
} finally {
  say("stopping");
  await env.stop();
}
