import assert from "node:assert/strict";
import { buildPersistentVolume } from "../../src/decide/pv_spec.ts";
import type { VolumeSpec } from "../../src/volume.ts";

const SPEC: VolumeSpec = {
  pvName: "pvc-6b0f",
  claim: { namespace: "apps", name: "db", uid: "6b0f" },
  node: "node-1",
  hostnameLabel: "node-1.example",
  provisioner: "local-lvm.io",
  storageClass: "local-lvm",
  reclaimPolicy: "Retain",
  vg: "vg0",
  requestBytes: 5 * 1024 * 1024,
  sizeBytes: 8 * 1024 * 1024,
  fsType: "xfs",
  mountOptions: ["noatime", "discard"],
  basePath: "/data",
  mountPoint: "/data/pvc-6b0f",
  hostPath: "/data/pvc-6b0f/data",
  unitName: "data-pvc\\x2d6b0f.mount",
  accessModes: ["ReadWriteOnce", "ReadWriteOncePod"],
};

Deno.test("buildPersistentVolume writes the whole PV from the spec", () => {
  assert.deepEqual(buildPersistentVolume(SPEC), {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name: "pvc-6b0f",
      annotations: { "pv.kubernetes.io/provisioned-by": "local-lvm.io" },
    },
    spec: {
      capacity: { storage: "8Mi" },
      accessModes: ["ReadWriteOnce", "ReadWriteOncePod"],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "local-lvm",
      volumeMode: "Filesystem",
      claimRef: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        name: "db",
        namespace: "apps",
        uid: "6b0f",
      },
      hostPath: { path: "/data/pvc-6b0f/data", type: "Directory" },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{
            matchExpressions: [{
              key: "kubernetes.io/hostname",
              operator: "In",
              values: ["node-1.example"],
            }],
          }],
        },
      },
    },
  });
});

type Pv = ReturnType<typeof buildPersistentVolume>;

Deno.test("buildPersistentVolume follows the spec's fields", () => {
  const cases: [Partial<VolumeSpec>, (pv: Pv) => unknown, unknown][] = [
    [{ reclaimPolicy: "Delete" }, (pv) => pv.spec.persistentVolumeReclaimPolicy, "Delete"],
    [{ provisioner: "mein.io/local-lvm" }, (pv) => pv.metadata.annotations, {
      "pv.kubernetes.io/provisioned-by": "mein.io/local-lvm",
    }],
    [{ sizeBytes: 9007199254740991 }, (pv) => pv.spec.capacity.storage, "9007199254740991"],
    [{ hostPath: "/data/pvc-old" }, (pv) => pv.spec.hostPath.path, "/data/pvc-old"],
    [{ accessModes: ["ReadWriteOncePod"] }, (pv) => pv.spec.accessModes, ["ReadWriteOncePod"]],
    [{ pvName: "pvc-x" }, (pv) => pv.metadata.name, "pvc-x"],
    [{ storageClass: "other" }, (pv) => pv.spec.storageClassName, "other"],
    [
      { hostnameLabel: "h" },
      (pv) => pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values,
      ["h"],
    ],
  ];
  for (const [over, read, expected] of cases) {
    assert.deepEqual(read(buildPersistentVolume({ ...SPEC, ...over })), expected);
  }
});

Deno.test("buildPersistentVolume never writes mount options or binder annotations", () => {
  const pv = buildPersistentVolume(SPEC);
  const json = JSON.stringify(pv);
  assert.ok(!("mountOptions" in pv.spec));
  assert.ok(!json.includes("noatime"));
  assert.ok(!json.includes("bind-completed"));
  assert.ok(!json.includes("bound-by-controller"));
  assert.ok(!("finalizers" in pv.metadata));
});

Deno.test("buildPersistentVolume does not share arrays with the spec", () => {
  const spec = { ...SPEC, accessModes: ["ReadWriteOnce"] };
  const pv = buildPersistentVolume(spec);
  pv.spec.accessModes.push("ReadWriteMany");
  assert.deepEqual(spec.accessModes, ["ReadWriteOnce"]);
});
