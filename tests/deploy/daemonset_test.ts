/**
 * The agent's DaemonSet keeps its contract with the agent: privileged with hostPID (for
 * nsenter), NODE_NAME from the downward API, the ConfigMap mounted as a directory, the state
 * directory on the host, probes on the named port.
 */

import assert from "node:assert/strict";
import { dirname } from "node:path";
import { loadAll, only } from "./manifests.ts";
import { type ConfigMapObject, type DaemonSetObject, envOf, type Volume } from "./workload.ts";

const all = await loadAll();
const ds = only<DaemonSetObject>(all, "DaemonSet", "local-lvm-agent");
const pod = ds.spec.template.spec;
assert.equal(pod.containers.length, 1, "one container");
const agent = pod.containers[0];

function volume(name: string): Volume {
  const found = pod.volumes?.find((v) => v.name === name);
  if (!found) throw new Error(`no volume ${name}`);
  return found;
}

function mountOf(name: string) {
  const mounts = agent.volumeMounts?.filter((m) => m.name === name) ?? [];
  assert.equal(mounts.length, 1, `one mount of ${name}`);
  return mounts[0];
}

function envValue(name: string): string {
  const value = envOf(agent, name)?.value;
  if (value === undefined) throw new Error(`env ${name} has no literal value`);
  return value;
}

Deno.test("the agent is privileged and shares the host's PID namespace (nsenter -t 1)", () => {
  assert.equal(pod.hostPID, true);
  assert.equal(agent.securityContext?.privileged, true);
  assert.equal(envValue("LOCAL_LVM_HOST"), "nsenter");
  assert.equal(pod.hostNetwork, undefined, "no host network: the API is reached as a pod");
});

Deno.test("NODE_NAME comes from spec.nodeName", () => {
  assert.deepEqual(envOf(agent, "NODE_NAME"), {
    name: "NODE_NAME",
    valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } },
  });
});

Deno.test("the ConfigMap is mounted as a whole directory, never with subPath", () => {
  const config = volume("config");
  assert.equal(config.configMap?.name, "local-lvm-config");
  assert.equal(config.configMap?.items, undefined, "all keys, so the file name stays config.json");
  const mount = mountOf("config");
  assert.equal(mount.subPath, undefined);
  assert.equal(mount.readOnly, true);
  const path = envValue("LOCAL_LVM_CONFIG");
  assert.equal(dirname(path), mount.mountPath);
  const key = path.slice(mount.mountPath.length + 1);
  const cm = only<ConfigMapObject>(all, "ConfigMap", "local-lvm-config");
  assert.ok(cm.data?.[key], `ConfigMap has no key ${key}`);
  for (const m of agent.volumeMounts ?? []) assert.equal(m.subPath, undefined, m.name);
});

Deno.test("the state directory is a host directory, so the journal survives restarts", () => {
  assert.deepEqual(volume("state").hostPath, {
    path: "/var/lib/local-lvm",
    type: "DirectoryOrCreate",
  });
  assert.equal(mountOf("state").mountPath, envValue("LOCAL_LVM_STATE_DIR"));
  assert.equal(envValue("LOCAL_LVM_STATE_DIR"), "/var/lib/local-lvm");
});

Deno.test("no other volumes: nsenter -m sees the host's /dev and base paths itself", () => {
  assert.deepEqual(pod.volumes?.map((v) => v.name).sort(), ["config", "state"]);
});

Deno.test("probes hit /healthz and /readyz on the port named http, which is LOCAL_LVM_HTTP_PORT", () => {
  const http = agent.ports?.find((p) => p.name === "http");
  assert.ok(http, "a port named http");
  assert.equal(String(http.containerPort), envValue("LOCAL_LVM_HTTP_PORT"));
  assert.equal(http.containerPort, 9808);
  assert.deepEqual(agent.livenessProbe?.httpGet, { path: "/healthz", port: "http" });
  assert.deepEqual(agent.readinessProbe?.httpGet, { path: "/readyz", port: "http" });
});

Deno.test("rolling updates one node at a time, with time to finish a step", () => {
  assert.deepEqual(ds.spec.updateStrategy, {
    type: "RollingUpdate",
    rollingUpdate: { maxUnavailable: 1 },
  });
  assert.ok((pod.terminationGracePeriodSeconds ?? 30) >= 120, "at least a command's timeout");
});

Deno.test("the selector matches the pod template's labels", () => {
  for (const [key, value] of Object.entries(ds.spec.selector.matchLabels)) {
    assert.equal(ds.spec.template.metadata.labels[key], value, key);
  }
});

Deno.test("image placeholder, resources, priority and tolerations are set", () => {
  assert.equal(agent.image, "local-lvm:dev");
  assert.equal(agent.imagePullPolicy, "IfNotPresent");
  assert.ok(agent.resources?.requests?.cpu && agent.resources.requests.memory, "requests");
  assert.ok(agent.resources?.limits?.memory, "memory limit");
  assert.equal(pod.priorityClassName, "system-node-critical");
  assert.deepEqual(pod.tolerations, [{ operator: "Exists" }]);
});

Deno.test("the env holds exactly the agent's documented variables", () => {
  assert.deepEqual(agent.env?.map((e) => e.name).sort(), [
    "LOCAL_LVM_CONFIG",
    "LOCAL_LVM_HOST",
    "LOCAL_LVM_HTTP_PORT",
    "LOCAL_LVM_STATE_DIR",
    "NODE_NAME",
  ]);
});
