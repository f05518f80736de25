/**
 * The other objects of deploy/: the shipped config is valid for our own parser and is the
 * original's default, the StorageClass names our provisioner, the CSIDriver of that name turns
 * on capacity-aware scheduling, the Service finds the agents.
 */

import assert from "node:assert/strict";
import { DEFAULT_NODE_KEY, DEFAULT_PROVISIONER } from "../../src/config/constants.ts";
import { parseConfig } from "../../src/config/parse.ts";
import { loadAll, only } from "./manifests.ts";
import type {
  ConfigMapObject,
  CsiDriverObject,
  DaemonSetObject,
  ServiceObject,
  StorageClassObject,
} from "./workload.ts";

const all = await loadAll();

Deno.test("the ConfigMap's config.json is valid JSONC, with the original's default entry", () => {
  const cm = only<ConfigMapObject>(all, "ConfigMap", "local-lvm-config");
  assert.deepEqual(Object.keys(cm.data ?? {}), ["config.json"]);
  const text = cm.data!["config.json"];
  assert.match(text, /^\s*\/\/ /m, "a comment explains the file");
  const result = parseConfig(text);
  assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
  assert.deepEqual(result.warnings, []);
  const entry = result.config.nodes.get(DEFAULT_NODE_KEY);
  assert.equal(entry?.path, "/data");
  assert.deepEqual(entry?.vgs, ["vg1"]);
  assert.equal(result.config.nodes.size, 1);
  // The StorageClass below must name the provisioner this config makes the agent serve.
  assert.equal(result.config.provisionerName, DEFAULT_PROVISIONER);
});

Deno.test("the StorageClass is the original's default, with our provisioner name", () => {
  const sc = only<StorageClassObject>(all, "StorageClass", "local-lvm");
  assert.equal(sc.provisioner, DEFAULT_PROVISIONER);
  assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
  assert.equal(sc.reclaimPolicy, "Delete");
  // The agent grows bound volumes online (steps/resize_saga.ts).
  assert.equal(sc.allowVolumeExpansion, true);
});

Deno.test("the CSIDriver switches on capacity-aware scheduling for our provisioner only", () => {
  const driver = only<CsiDriverObject>(all, "CSIDriver");
  // The scheduler looks the driver up by the class's provisioner name, exactly.
  assert.equal(driver.metadata.name, DEFAULT_PROVISIONER);
  assert.equal(
    driver.metadata.name,
    only<StorageClassObject>(all, "StorageClass", "local-lvm").provisioner,
  );
  assert.deepEqual(driver.spec, {
    storageCapacity: true,
    attachRequired: false,
    podInfoOnMount: false,
    volumeLifecycleModes: ["Persistent"],
  });
});

Deno.test("the Service selects the agent pods and exposes the named http port", () => {
  const svc = only<ServiceObject>(all, "Service");
  const ds = only<DaemonSetObject>(all, "DaemonSet");
  const podLabels = ds.spec.template.metadata.labels;
  assert.ok(Object.keys(svc.spec.selector).length > 0);
  for (const [key, value] of Object.entries(svc.spec.selector)) {
    assert.equal(podLabels[key], value, `pod label ${key}`);
  }
  const containerPort = ds.spec.template.spec.containers[0].ports?.find((p) => p.name === "http");
  assert.deepEqual(svc.spec.ports, [{
    name: "http",
    port: containerPort?.containerPort,
    targetPort: "http",
    protocol: "TCP",
  }]);
  assert.equal(svc.spec.clusterIP, "None", "headless: each agent is scraped on its own");
  assert.equal(svc.metadata.annotations?.["prometheus.io/scrape"], "true");
  assert.equal(
    svc.metadata.annotations?.["prometheus.io/port"],
    String(containerPort?.containerPort),
  );
});

Deno.test("the namespace allows privileged pods under Pod Security admission", () => {
  const ns = only(all, "Namespace");
  assert.equal(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"], "privileged");
});
