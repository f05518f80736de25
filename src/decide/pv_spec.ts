/**
 * The PersistentVolume object we publish for a volume: the commit point of provisioning.
 * Everything in it comes from the VolumeSpec, so the same spec always yields the same PV
 * and a retry can compare what exists with what it would write.
 *
 * @module
 */

import type { VolumeSpec } from "../volume.ts";
import { ANN_PROVISIONED_BY, LABEL_HOSTNAME } from "./names.ts";
import { exactQuantity } from "./quantity.ts";

/** The PV we create, as plain JSON, ready to send to the API server. */
export interface NewPersistentVolume {
  apiVersion: "v1";
  kind: "PersistentVolume";
  metadata: { name: string; annotations: Record<string, string> };
  spec: {
    capacity: { storage: string };
    accessModes: string[];
    persistentVolumeReclaimPolicy: "Delete" | "Retain";
    storageClassName: string;
    volumeMode: "Filesystem";
    claimRef: {
      apiVersion: "v1";
      kind: "PersistentVolumeClaim";
      name: string;
      namespace: string;
      uid: string;
    };
    hostPath: { path: string; type: "Directory" };
    nodeAffinity: {
      required: {
        nodeSelectorTerms: {
          matchExpressions: { key: string; operator: "In"; values: string[] }[];
        }[];
      };
    };
  };
}

/**
 * Builds the PV for a volume.
 *
 * - Capacity is the real LV size in bytes (at least the request, so binding works).
 * - `pv.kubernetes.io/provisioned-by` is always set: without it the PV binder takes a
 *   hostPath PV for an in-tree one and fails it.
 * - hostPath type `Directory` points inside the mounted filesystem, so an unmounted
 *   volume stops the pod instead of letting it write to the root filesystem.
 * - Never `spec.mountOptions` (the kubelet refuses them for hostPath; we apply them in our
 *   own mount) and never the binder's own annotations (`bind-completed`, `bound-by-controller`).
 *
 * @example
 * ```ts
 * import { buildPersistentVolume } from "./pv_spec.ts";
 * import type { VolumeSpec } from "../volume.ts";
 * const spec: VolumeSpec = {
 *   pvName: "pvc-1", claim: { namespace: "ns", name: "data", uid: "1" }, node: "n1",
 *   hostnameLabel: "n1", provisioner: "local-lvm.io", storageClass: "local-lvm",
 *   reclaimPolicy: "Delete", vg: "vg0", requestBytes: 5242880, sizeBytes: 8388608,
 *   fsType: "ext4", mountOptions: [], basePath: "/data", mountPoint: "/data/pvc-1",
 *   hostPath: "/data/pvc-1/data", unitName: "data-pvc\\x2d1.mount",
 *   accessModes: ["ReadWriteOnce"],
 * };
 * const pv = buildPersistentVolume(spec);
 * if (pv.spec.capacity.storage !== "8Mi") throw new Error();
 * ```
 */
export function buildPersistentVolume(spec: VolumeSpec): NewPersistentVolume {
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: {
      name: spec.pvName,
      annotations: { [ANN_PROVISIONED_BY]: spec.provisioner },
    },
    spec: {
      capacity: { storage: exactQuantity(spec.sizeBytes) },
      accessModes: [...spec.accessModes],
      persistentVolumeReclaimPolicy: spec.reclaimPolicy,
      storageClassName: spec.storageClass,
      volumeMode: "Filesystem",
      claimRef: {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        name: spec.claim.name,
        namespace: spec.claim.namespace,
        uid: spec.claim.uid,
      },
      hostPath: { path: spec.hostPath, type: "Directory" },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [{
            matchExpressions: [{
              key: LABEL_HOSTNAME,
              operator: "In",
              values: [spec.hostnameLabel],
            }],
          }],
        },
      },
    },
  };
}
