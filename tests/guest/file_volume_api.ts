/**
 * PersistentVolumes kept as one JSON file each in a directory: an API server that outlives
 * the agent process, so a driver killed right after creating a PV finds it on restart.
 *
 * @module
 */

import {
  AlreadyExistsError,
  type PersistentVolumeObject,
  type VolumeApi,
} from "../../src/kube/volume_api.ts";

/** A {@link VolumeApi} over a directory; each write is a rename, so never torn. */
export class FileVolumeApi implements VolumeApi {
  constructor(readonly dir: string) {}

  async createPersistentVolume(pv: PersistentVolumeObject): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true });
    const path = this.#path(pv.metadata.name);
    const temp = `${path}.tmp`;
    await Deno.writeTextFile(temp, JSON.stringify(pv));
    try {
      // link(2) fails if the name is taken: create-if-absent, like the API server.
      await Deno.link(temp, path);
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) {
        throw new AlreadyExistsError(pv.metadata.name);
      }
      throw error;
    } finally {
      await Deno.remove(temp);
    }
  }

  async readPersistentVolume(name: string): Promise<PersistentVolumeObject | undefined> {
    try {
      return JSON.parse(await Deno.readTextFile(this.#path(name)));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  async deletePersistentVolume(name: string): Promise<void> {
    try {
      await Deno.remove(this.#path(name));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  #path(name: string): string {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) throw new Error(`bad PV name ${name}`);
    return `${this.dir}/${name}.json`;
  }
}
