import assert from "node:assert/strict";
import type { ClaimObject } from "../../src/decide/claim.ts";
import { validateClaim } from "../../src/decide/claim_validation.ts";

type Spec = NonNullable<ClaimObject["spec"]>;

function claim(spec: Partial<Spec>): ClaimObject {
  return {
    metadata: { name: "data", namespace: "ns", uid: "6b0f", annotations: {} },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
      storageClassName: "local-lvm",
      ...spec,
    },
  };
}

const BLOCK = "block volumes are not supported: local-lvm provides Filesystem volumes only";
const NO_REQUEST = "claim has no storage request (spec.resources.requests.storage)";
const NO_MODES = "claim has no access modes (spec.accessModes)";
const ONE_NODE = "a local-lvm volume lives on one node (use ReadWriteOnce or ReadWriteOncePod)";

const CASES: [name: string, spec: Partial<Spec>, reasons: string[]][] = [
  ["a plain claim is fine", {}, []],
  ["Filesystem mode is fine", { volumeMode: "Filesystem" }, []],
  ["a null volume mode means Filesystem", { volumeMode: null }, []],
  ["ReadWriteOncePod is fine", { accessModes: ["ReadWriteOncePod"] }, []],
  ["both node-local modes are fine", { accessModes: ["ReadWriteOnce", "ReadWriteOncePod"] }, []],
  ["a decimal request is fine", { resources: { requests: { storage: "500M" } } }, []],
  ["other requests are ignored", { resources: { requests: { storage: "1Gi", cpu: "x" } } }, []],
  ["null selector and data sources are fine", {
    selector: null,
    dataSource: null,
    dataSourceRef: null,
  }, []],
  ["no resources", { resources: undefined }, [NO_REQUEST]],
  ["no requests", { resources: {} }, [NO_REQUEST]],
  ["null requests", { resources: { requests: null } }, [NO_REQUEST]],
  ["requests without storage", { resources: { requests: { cpu: "1" } } }, [NO_REQUEST]],
  ["zero request", { resources: { requests: { storage: "0" } } }, [
    'storage request must be greater than zero (got "0")',
  ]],
  ["negative request", { resources: { requests: { storage: "-1Gi" } } }, [
    'storage request must be greater than zero (got "-1Gi")',
  ]],
  ["malformed request", { resources: { requests: { storage: "1GB" } } }, [
    'invalid storage request "1GB": not a Kubernetes quantity',
  ]],
  ["a number instead of a quantity string", { resources: { requests: { storage: 1024 } } }, [
    'invalid storage request "1024": not a Kubernetes quantity',
  ]],
  ["block volume", { volumeMode: "Block" }, [BLOCK]],
  ["unknown volume mode", { volumeMode: "Weird" }, [
    'volume mode "Weird" is not supported: local-lvm provides Filesystem volumes only',
  ]],
  ["missing access modes", { accessModes: undefined }, [NO_MODES]],
  ["null access modes", { accessModes: null }, [NO_MODES]],
  ["empty access modes", { accessModes: [] }, [NO_MODES]],
  ["ReadWriteMany", { accessModes: ["ReadWriteMany"] }, [
    `access mode ReadWriteMany is not supported: ${ONE_NODE}`,
  ]],
  ["ReadOnlyMany next to ReadWriteOnce", { accessModes: ["ReadWriteOnce", "ReadOnlyMany"] }, [
    `access mode ReadOnlyMany is not supported: ${ONE_NODE}`,
  ]],
  ["several unsupported modes, one reason", {
    accessModes: ["ReadWriteMany", "ReadOnlyMany", "ReadWriteMany"],
  }, [`access modes ReadWriteMany, ReadOnlyMany are not supported: ${ONE_NODE}`]],
  ["a selector", { selector: { matchLabels: { a: "b" } } }, [
    "claim.spec.selector is not supported",
  ]],
  ["an empty selector is still a selector (as in the provisioner library)", { selector: {} }, [
    "claim.spec.selector is not supported",
  ]],
  ["a snapshot data source, mirrored into dataSourceRef", {
    dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap1" },
    dataSourceRef: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap1" },
  }, [
    "data source snapshot.storage.k8s.io/VolumeSnapshot snap1 is not supported: " +
    "local-lvm can only clone a PersistentVolumeClaim",
  ]],
  ["a clone source via dataSource only is fine", {
    dataSource: { kind: "PersistentVolumeClaim", name: "src" },
  }, []],
  ["a clone source via both, mirrored, is fine", {
    dataSource: { kind: "PersistentVolumeClaim", name: "src" },
    dataSourceRef: { apiGroup: "", kind: "PersistentVolumeClaim", name: "src" },
  }, []],
  ["a clone from another namespace", {
    dataSourceRef: { kind: "PersistentVolumeClaim", name: "src", namespace: "other" },
  }, [
    "cannot clone claim other/src into namespace ns: " +
    "a clone's source must be in the same namespace",
  ]],
  ["a populator via dataSourceRef only", {
    dataSourceRef: { apiGroup: "x.io", kind: "Populator", name: "p", namespace: "other" },
  }, [
    "data source x.io/Populator p is not supported: " +
    "local-lvm can only clone a PersistentVolumeClaim",
  ]],
  ["differing dataSource and dataSourceRef", {
    dataSource: { kind: "PersistentVolumeClaim", name: "a" },
    dataSourceRef: { kind: "PersistentVolumeClaim", name: "b" },
  }, [
    "dataSource and dataSourceRef differ " +
    "(kind PersistentVolumeClaim name b; kind PersistentVolumeClaim name a)",
  ]],
  ["everything wrong at once, in a stable order", {
    resources: { requests: { storage: "0" } },
    volumeMode: "Block",
    accessModes: ["ReadWriteMany"],
    selector: {},
    dataSource: { kind: "VolumeSnapshot", name: "s" },
  }, [
    'storage request must be greater than zero (got "0")',
    BLOCK,
    `access mode ReadWriteMany is not supported: ${ONE_NODE}`,
    "claim.spec.selector is not supported",
    "data source VolumeSnapshot s is not supported: " +
    "local-lvm can only clone a PersistentVolumeClaim",
  ]],
];

Deno.test("validateClaim decision table", () => {
  for (const [name, spec, reasons] of CASES) {
    assert.deepEqual(validateClaim(claim(spec)), reasons, name);
  }
});

Deno.test("validateClaim copes with a claim without a spec", () => {
  assert.deepEqual(validateClaim({}), [NO_REQUEST, NO_MODES]);
  assert.deepEqual(validateClaim({ metadata: { name: "x" } }), [NO_REQUEST, NO_MODES]);
});
