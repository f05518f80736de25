import { FINALIZER } from "../decide/names.ts";
import {
  AlreadyExistsError,
  type PersistentVolumeObject,
  type PersistentVolumeStore,
} from "./volume_api.ts";

/** PersistentVolumes kept in memory, for tests and for `plan`. */
export class MemoryVolumeApi implements PersistentVolumeStore {
  readonly volumes = new Map<string, PersistentVolumeObject>();
  #version = 0;

  createPersistentVolume(pv: PersistentVolumeObject): Promise<void> {
    if (this.volumes.has(pv.metadata.name)) {
      return Promise.reject(new AlreadyExistsError(pv.metadata.name));
    }
    const stored = structuredClone(pv);
    stored.metadata.resourceVersion = String(++this.#version);
    this.volumes.set(pv.metadata.name, stored);
    return Promise.resolve();
  }

  readPersistentVolume(name: string): Promise<PersistentVolumeObject | undefined> {
    const pv = this.volumes.get(name);
    return Promise.resolve(pv && structuredClone(pv));
  }

  deletePersistentVolume(name: string): Promise<void> {
    this.volumes.delete(name);
    return Promise.resolve();
  }

  setCapacity(name: string, storage: string): Promise<boolean> {
    const pv = this.volumes.get(name);
    if (!pv) return Promise.resolve(false);
    pv.spec.capacity = { ...(pv.spec.capacity as object | undefined), storage };
    pv.metadata.resourceVersion = String(++this.#version);
    return Promise.resolve(true);
  }

  addFinalizer(name: string): Promise<boolean> {
    return Promise.resolve(
      this.#changeFinalizers(name, (f) => f.includes(FINALIZER) ? f : [...f, FINALIZER]),
    );
  }

  removeFinalizer(name: string): Promise<boolean> {
    return Promise.resolve(this.#changeFinalizers(name, (f) => f.filter((x) => x !== FINALIZER)));
  }

  #changeFinalizers(name: string, change: (current: string[]) => string[]): boolean {
    const pv = this.volumes.get(name);
    if (!pv) return false;
    const current = pv.metadata.finalizers ?? [];
    const next = change(current);
    if (next.join("\n") !== current.join("\n")) {
      pv.metadata.finalizers = next;
      pv.metadata.resourceVersion = String(++this.#version);
    }
    return true;
  }
}
