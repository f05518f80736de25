import assert from "node:assert/strict";
import {
  EVENTS,
  NODES,
  PERSISTENT_VOLUME_CLAIMS,
  PERSISTENT_VOLUMES,
  requestInfo,
  resourcePath,
  STORAGE_CLASSES,
} from "../../src/kube/api_path.ts";

Deno.test("resourcePath builds collection, object and subresource paths", () => {
  const cases: [string, string][] = [
    [resourcePath(PERSISTENT_VOLUME_CLAIMS), "/api/v1/persistentvolumeclaims"],
    [
      resourcePath(PERSISTENT_VOLUME_CLAIMS, { namespace: "ns" }),
      "/api/v1/namespaces/ns/persistentvolumeclaims",
    ],
    [
      resourcePath(PERSISTENT_VOLUME_CLAIMS, { namespace: "ns", name: "c", subresource: "status" }),
      "/api/v1/namespaces/ns/persistentvolumeclaims/c/status",
    ],
    // A namespace given for a cluster-scoped type is ignored.
    [
      resourcePath(PERSISTENT_VOLUMES, { namespace: "ns", name: "pvc-1" }),
      "/api/v1/persistentvolumes/pvc-1",
    ],
    [resourcePath(NODES, { name: "node a" }), "/api/v1/nodes/node%20a"],
    [
      resourcePath(STORAGE_CLASSES, { name: "local" }),
      "/apis/storage.k8s.io/v1/storageclasses/local",
    ],
    [resourcePath(EVENTS, { namespace: "d" }), "/apis/events.k8s.io/v1/namespaces/d/events"],
  ];
  for (const [actual, expected] of cases) assert.equal(actual, expected);
});

Deno.test("requestInfo names the RBAC verb and resource of a request", () => {
  const cases: [string, string, Partial<ReturnType<typeof requestInfo>>][] = [
    ["GET", "/api/v1/persistentvolumes/pv-1", {
      verb: "get",
      group: "",
      resource: "persistentvolumes",
      name: "pv-1",
    }],
    ["GET", "/api/v1/persistentvolumeclaims?limit=500", {
      verb: "list",
      resource: "persistentvolumeclaims",
    }],
    ["GET", "/api/v1/nodes?watch=true&resourceVersion=5", { verb: "watch", resource: "nodes" }],
    ["POST", "/apis/events.k8s.io/v1/namespaces/d/events", {
      verb: "create",
      group: "events.k8s.io",
      resource: "events",
      namespace: "d",
    }],
    ["PATCH", "/api/v1/namespaces/ns/persistentvolumeclaims/c/status", {
      verb: "patch",
      resource: "persistentvolumeclaims/status",
      namespace: "ns",
      name: "c",
    }],
    ["PUT", "/apis/coordination.k8s.io/v1/namespaces/x/leases/l", {
      verb: "update",
      group: "coordination.k8s.io",
      resource: "leases",
    }],
    ["DELETE", "/api/v1/persistentvolumes/pv-1", { verb: "delete" }],
    ["DELETE", "/api/v1/namespaces/ns/persistentvolumeclaims", { verb: "deletecollection" }],
    ["GET", "/api/v1/namespaces/kube-system", {
      verb: "get",
      resource: "namespaces",
      name: "kube-system",
    }],
  ];
  for (const [method, path, expected] of cases) {
    const info = requestInfo(method, path);
    for (const [field, value] of Object.entries(expected)) {
      assert.equal(info[field as keyof typeof info], value, `${method} ${path}: ${field}`);
    }
  }
});
