/**
 * One coordination.k8s.io/v1 Lease as a lock, like client-go's `LeaseLock`: read it, create it,
 * or replace its spec guarded by the resourceVersion that was read, so of two candidates that
 * read the same version only one can write. Times are MicroTime (six fractional digits).
 *
 * @module
 */

import { LEASES, resourcePath } from "./api_path.ts";
import { isAlreadyExists, isConflict, isNotFound } from "./errors.ts";
import type { KubeHttp } from "./http.ts";
import type { KubeObject } from "./objects.ts";

/** A Lease's spec: the leader election record. */
export interface LeaseRecord {
  /** Empty or absent: nobody holds it (released). */
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** MicroTime. */
  acquireTime?: string;
  /** MicroTime. */
  renewTime?: string;
  leaseTransitions?: number;
}

/** A Lease as plain JSON. */
export interface LeaseObject extends KubeObject {
  spec?: LeaseRecord;
}

/** The answer to a guarded write: the stored object, or someone else wrote first. */
export type LeaseWrite = { status: "written"; lease: LeaseObject } | { status: "conflict" };

/** Reads and guarded writes of one Lease. */
export interface LeaseStore {
  /** `namespace/name`, for log lines. */
  readonly description: string;
  /** The Lease, or undefined when it does not exist. */
  get(signal?: AbortSignal): Promise<LeaseObject | undefined>;
  /** Creates it; `conflict` when it exists already. */
  create(spec: LeaseRecord, signal?: AbortSignal): Promise<LeaseWrite>;
  /** Replaces its spec if it is still at `resourceVersion`; `conflict` otherwise. */
  update(resourceVersion: string, spec: LeaseRecord, signal?: AbortSignal): Promise<LeaseWrite>;
}

/** {@link LeaseStore} on the API server (verbs: get, create, update). */
export class KubeLeaseStore implements LeaseStore {
  readonly description: string;

  constructor(
    readonly http: KubeHttp,
    readonly namespace: string,
    readonly name: string,
    /** Per-request timeout: a hung request must not outlive the renew deadline. */
    readonly timeoutMs?: number,
  ) {
    this.description = `${namespace}/${name}`;
  }

  async get(signal?: AbortSignal): Promise<LeaseObject | undefined> {
    try {
      return await this.http.request<LeaseObject>("GET", this.#path(this.name), {
        signal,
        timeoutMs: this.timeoutMs,
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async create(spec: LeaseRecord, signal?: AbortSignal): Promise<LeaseWrite> {
    try {
      const lease = await this.http.request<LeaseObject>("POST", this.#path(), {
        body: {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.name, namespace: this.namespace },
          spec,
        },
        signal,
        timeoutMs: this.timeoutMs,
      });
      return { status: "written", lease };
    } catch (error) {
      if (isAlreadyExists(error)) return { status: "conflict" };
      throw error;
    }
  }

  async update(
    resourceVersion: string,
    spec: LeaseRecord,
    signal?: AbortSignal,
  ): Promise<LeaseWrite> {
    try {
      const lease = await this.http.request<LeaseObject>("PUT", this.#path(this.name), {
        body: {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.name, namespace: this.namespace, resourceVersion },
          spec,
        },
        signal,
        timeoutMs: this.timeoutMs,
      });
      return { status: "written", lease };
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) return { status: "conflict" };
      throw error;
    }
  }

  #path(name?: string): string {
    return resourcePath(LEASES, { namespace: this.namespace, name });
  }
}
