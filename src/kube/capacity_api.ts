/**
 * CSIStorageCapacity objects in the agent's namespace: list one node's, apply the changes
 * computed by `capacityChanges`. An interface, so the publisher is tested without a server.
 *
 * @module
 */

import type { CapacityChange, ExistingCapacity } from "../decide/capacity_diff.ts";
import { CSI_STORAGE_CAPACITIES, resourcePath } from "./api_path.ts";
import { isAlreadyExists, isNotFound } from "./errors.ts";
import { type KubeHttp, PATCH_CONTENT_TYPES } from "./http.ts";

/** What the capacity publisher needs from the API server. */
export interface CapacityApi {
  /** The objects in `namespace` matching the label selector. */
  list(namespace: string, labelSelector: string): Promise<ExistingCapacity[]>;
  /** Applies one change; absent objects count as deleted, existing ones as created. */
  apply(namespace: string, change: CapacityChange): Promise<void>;
}

/** {@link CapacityApi} over the real API server (verbs: list, create, patch, delete). */
export class KubeCapacityApi implements CapacityApi {
  constructor(readonly http: KubeHttp) {}

  async list(namespace: string, labelSelector: string): Promise<ExistingCapacity[]> {
    const list = await this.http.request<{ items: ExistingCapacity[] }>(
      "GET",
      resourcePath(CSI_STORAGE_CAPACITIES, { namespace }),
      { query: { labelSelector } },
    );
    return list.items ?? [];
  }

  async apply(namespace: string, change: CapacityChange): Promise<void> {
    switch (change.op) {
      case "create":
        try {
          return await this.#create(namespace, change.object);
        } catch (error) {
          // Ours by name but not by labels (edited by hand): replace it.
          if (!isAlreadyExists(error)) throw error;
        }
        await this.#delete(namespace, change.object.metadata.name);
        return await this.#create(namespace, change.object);
      case "replace":
        await this.#delete(namespace, change.object.metadata.name);
        return await this.#create(namespace, change.object);
      case "patch":
        await this.http.request("PATCH", this.#path(namespace, change.name), {
          body: change.patch,
          contentType: PATCH_CONTENT_TYPES.merge,
        });
        return;
      case "delete":
        return await this.#delete(namespace, change.name);
    }
  }

  async #create(namespace: string, object: unknown): Promise<void> {
    await this.http.request("POST", this.#path(namespace), { body: object });
  }

  async #delete(namespace: string, name: string): Promise<void> {
    try {
      await this.http.request("DELETE", this.#path(namespace, name));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  #path(namespace: string, name?: string): string {
    return resourcePath(CSI_STORAGE_CAPACITIES, { namespace, name });
  }
}
