/**
 * The part of the API server the provisioning steps need: PersistentVolume objects.
 * The agent wires the real client in; tests use {@link MemoryVolumeApi}.
 *
 * @module
 */

/** A PersistentVolume as plain JSON (the fields we read are typed). */
export interface PersistentVolumeObject {
  apiVersion: "v1";
  kind: "PersistentVolume";
  metadata: {
    name: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    finalizers?: string[];
    resourceVersion?: string;
    uid?: string;
    deletionTimestamp?: string;
  };
  spec: {
    claimRef?: { name?: string; namespace?: string; uid?: string };
    [key: string]: unknown;
  };
  status?: { phase?: string };
}

/** The API server refused to create an object because one of that name exists. */
export class AlreadyExistsError extends Error {
  constructor(readonly objectName: string) {
    super(`PersistentVolume ${objectName} already exists`);
    this.name = "AlreadyExistsError";
  }
}

/** PersistentVolume operations used by the steps. */
export interface VolumeApi {
  /** Creates the PV; throws {@link AlreadyExistsError} if the name is taken. */
  createPersistentVolume(pv: PersistentVolumeObject): Promise<void>;
  /** Reads a PV, or undefined when there is none. */
  readPersistentVolume(name: string): Promise<PersistentVolumeObject | undefined>;
  /**
   * Deletes a PV for good: removes our finalizer, then deletes. Absent is success.
   */
  deletePersistentVolume(name: string): Promise<void>;
}

/** Our finalizer on PVs; implemented by the real and the in-memory API. */
export interface PersistentVolumeFinalizers {
  /** Adds our finalizer unless present; false when the PV does not exist. */
  addFinalizer(name: string): Promise<boolean>;
  /** Removes our finalizer if present; false when the PV does not exist. */
  removeFinalizer(name: string): Promise<boolean>;
}

/** Growing a PV's `spec.capacity.storage` (expansion); implemented by the real and the in-memory API. */
export interface PersistentVolumeCapacity {
  /** Sets the PV's capacity to `storage` (a quantity); false when the PV does not exist. */
  setCapacity(name: string, storage: string): Promise<boolean>;
}

/** Everything we do to PVs: what the real and the in-memory API both implement. */
export interface PersistentVolumeStore
  extends VolumeApi, PersistentVolumeFinalizers, PersistentVolumeCapacity {}
