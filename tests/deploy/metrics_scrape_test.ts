/**
 * Prometheus finds the agents' /metrics: the Service's scrape annotations name the path the
 * agent serves and the port it listens on (LOCAL_LVM_HTTP_PORT, the container's http port).
 */

import assert from "node:assert/strict";
import { loadAll, only } from "./manifests.ts";
import { type DaemonSetObject, envOf, type ServiceObject } from "./workload.ts";

const all = await loadAll();

Deno.test("the scrape annotations name /metrics on the agent's http port", () => {
  const svc = only<ServiceObject>(all, "Service");
  const container = only<DaemonSetObject>(all, "DaemonSet").spec.template.spec.containers[0];
  const http = container.ports?.find((p) => p.name === "http");
  assert.ok(http, "the container declares its http port");
  assert.equal(envOf(container, "LOCAL_LVM_HTTP_PORT")?.value, String(http.containerPort));
  assert.deepEqual(
    {
      scrape: svc.metadata.annotations?.["prometheus.io/scrape"],
      port: svc.metadata.annotations?.["prometheus.io/port"],
      path: svc.metadata.annotations?.["prometheus.io/path"],
    },
    { scrape: "true", port: String(http.containerPort), path: "/metrics" },
  );
});
