/**
 * The typed subset of DaemonSet, Service, StorageClass and ConfigMap that the deploy tests
 * read. Only the fields we set or check; everything is optional where the API allows it, so a
 * missing field fails an assertion rather than a cast.
 *
 * @module
 */

import type { KubeObject } from "./manifests.ts";

/** An HTTP probe. */
export interface Probe {
  httpGet?: { path?: string; port?: string | number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
}

/** A container environment variable. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath?: string } };
}

/** A container. */
export interface Container {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  securityContext?: { privileged?: boolean };
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: {
    requests?: Record<string, string>;
    limits?: Record<string, string>;
  };
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}

/** A pod volume. */
export interface Volume {
  name: string;
  configMap?: { name: string; items?: unknown[] };
  hostPath?: { path: string; type?: string };
  [source: string]: unknown;
}

/** A DaemonSet. */
export interface DaemonSetObject extends KubeObject {
  spec: {
    selector: { matchLabels: Record<string, string> };
    updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string } };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName?: string;
        hostPID?: boolean;
        hostNetwork?: boolean;
        priorityClassName?: string;
        terminationGracePeriodSeconds?: number;
        tolerations?: { key?: string; operator?: string; effect?: string }[];
        containers: Container[];
        volumes?: Volume[];
      };
    };
  };
}

/** A Service. */
export interface ServiceObject extends KubeObject {
  spec: {
    clusterIP?: string;
    selector: Record<string, string>;
    ports: { name?: string; port: number; targetPort?: string | number }[];
  };
}

/** A StorageClass. */
export interface StorageClassObject extends KubeObject {
  provisioner: string;
  volumeBindingMode?: string;
  reclaimPolicy?: string;
  allowVolumeExpansion?: boolean;
}

/** A CSIDriver (only the fields that capacity-aware scheduling depends on). */
export interface CsiDriverObject extends KubeObject {
  spec: {
    storageCapacity?: boolean;
    attachRequired?: boolean;
    podInfoOnMount?: boolean;
    volumeLifecycleModes?: string[];
  };
}

/** A ConfigMap. */
export interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

/** The env var `name` of `container`, if it is set. */
export function envOf(container: Container, name: string): EnvVar | undefined {
  return container.env?.find((e) => e.name === name);
}
