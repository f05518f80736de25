/**
 * {@link VolumeApi} over the real API server, plus our PV finalizer.
 *
 * Finalizers are changed with a merge patch that carries the resourceVersion the change was
 * computed from: if anyone else changed the PV meanwhile (the pv-protection controller adds and
 * removes its own finalizer), the server answers 409 Conflict and we re-read and try again,
 * instead of overwriting their list.
 *
 * @module
 */

import { FINALIZER } from "../decide/names.ts";
import { PERSISTENT_VOLUMES, resourcePath } from "./api_path.ts";
import { isAlreadyExists, isConflict, isNotFound } from "./errors.ts";
import { type KubeHttp, PATCH_CONTENT_TYPES } from "./http.ts";
import {
  AlreadyExistsError,
  type PersistentVolumeObject,
  type PersistentVolumeStore,
} from "./volume_api.ts";

/** How many times a finalizer change is retried after a conflict. */
const CONFLICT_ATTEMPTS = 5;

function pvPath(name?: string): string {
  return resourcePath(PERSISTENT_VOLUMES, { name });
}

/** PersistentVolume operations against the API server. */
export class KubeVolumeApi implements PersistentVolumeStore {
  constructor(readonly http: KubeHttp) {}

  /** Creates the PV; a taken name throws {@link AlreadyExistsError}. */
  async createPersistentVolume(pv: PersistentVolumeObject): Promise<void> {
    try {
      await this.http.request("POST", pvPath(), { body: pv });
    } catch (error) {
      if (isAlreadyExists(error)) throw new AlreadyExistsError(pv.metadata.name);
      throw error;
    }
  }

  /** Reads a PV as plain JSON; undefined when there is none. */
  async readPersistentVolume(name: string): Promise<PersistentVolumeObject | undefined> {
    try {
      return await this.http.request<PersistentVolumeObject>("GET", pvPath(name));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Sets the PV's finalizers to `change(current)`, guarded by the resourceVersion read;
   * re-reads and retries on conflict. Returns false when the PV does not exist.
   */
  async #updateFinalizers(name: string, change: (current: string[]) => string[] | undefined) {
    for (let attempt = 1;; attempt++) {
      const pv = await this.readPersistentVolume(name);
      if (!pv) return false;
      const next = change(pv.metadata.finalizers ?? []);
      if (!next) return true;
      const patch = {
        metadata: { resourceVersion: pv.metadata.resourceVersion, finalizers: next },
      };
      try {
        await this.http.request("PATCH", pvPath(name), {
          body: patch,
          contentType: PATCH_CONTENT_TYPES.merge,
        });
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        if (!isConflict(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Adds our finalizer (`local-lvm.io/storage`) to the PV; nothing to do if it is there.
   * Returns false when the PV does not exist.
   */
  addFinalizer(name: string): Promise<boolean> {
    return this.#updateFinalizers(
      name,
      (current) => current.includes(FINALIZER) ? undefined : [...current, FINALIZER],
    );
  }

  /** Removes our finalizer; nothing to do if it is absent. Returns false when there is no PV. */
  removeFinalizer(name: string): Promise<boolean> {
    return this.#updateFinalizers(
      name,
      (current) => current.includes(FINALIZER) ? current.filter((f) => f !== FINALIZER) : undefined,
    );
  }

  /** Sets `spec.capacity.storage` (a merge patch: other capacity keys stay). False when absent. */
  async setCapacity(name: string, storage: string): Promise<boolean> {
    try {
      await this.http.request("PATCH", pvPath(name), {
        body: { spec: { capacity: { storage } } },
        contentType: PATCH_CONTENT_TYPES.merge,
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Removes our finalizer, then deletes the PV. A PV that is already gone is success. */
  async deletePersistentVolume(name: string): Promise<void> {
    if (!await this.removeFinalizer(name)) return;
    try {
      await this.http.request("DELETE", pvPath(name));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}
