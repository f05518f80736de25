/**
 * What the agent's controllers work with, injected so that the same code runs against a
 * real node, a test guest and the simulated host, and against a real API server or not.
 *
 * @module
 */

import type { Config } from "../config/types.ts";
import type { Executor } from "../host/executor.ts";
import type { ClaimApi } from "../kube/claim_api.ts";
import type { KubeObject } from "../kube/objects.ts";
import type { PersistentVolumeFinalizers, VolumeApi } from "../kube/volume_api.ts";
import type { ReservationBook } from "../provision/reservations.ts";
import type { SagaEngine } from "../saga/engine.ts";
import type { JournalStore } from "../saga/types.ts";
import type { ProvisionDeps } from "../provision/deps.ts";
import type { VolumeSpec } from "../volume.ts";
import type { AgentMetrics } from "./metrics.ts";

/** Reads of the reflectors' caches. */
export interface Cache<T extends KubeObject> {
  get(key: string): T | undefined;
  list(): T[];
}

/** Events on objects, written in the background. */
export interface EventSink {
  normal(target: KubeObject, reason: string, note: string): void;
  warning(target: KubeObject, reason: string, note: string): void;
}

/** Logging with structured properties (a LogTape logger fits). */
export interface AgentLogger {
  debug(message: string, properties?: Record<string, unknown>): void;
  info(message: string, properties?: Record<string, unknown>): void;
  warn(message: string, properties?: Record<string, unknown>): void;
  error(message: string, properties?: Record<string, unknown>): void;
}

/** PersistentVolume writes: the steps' and the finalizer's. */
export type VolumeAdmin = VolumeApi & PersistentVolumeFinalizers;

/** Everything a controller may touch. */
export interface AgentContext {
  nodeName: string;
  /** This node's `kubernetes.io/hostname` label (the node name until the Node is seen). */
  hostnameLabel(): string;
  config(): Config;
  exec: Executor;
  volumes: VolumeAdmin;
  events: EventSink;
  journal: JournalStore;
  reservations: ReservationBook;
  engine: SagaEngine<VolumeSpec, ProvisionDeps>;
  claims: Cache<KubeObject>;
  persistentVolumes: Cache<KubeObject>;
  storageClasses: Cache<KubeObject>;
  /** Removes `selected-node` from a claim this node cannot serve. */
  claimApi: Pick<ClaimApi, "removeSelectedNode">;
  /** This node's CSIStorageCapacity objects. */
  capacity: {
    /** Something changed: publish soon. */
    request(): void;
    /** Publish now; false if that failed. */
    publishNow(): Promise<boolean>;
  };
  /** Saga timings and outcomes for `/metrics`. */
  metrics: AgentMetrics;
  log: AgentLogger;
}
