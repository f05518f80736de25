/**
 * Reads what `plan` is given: manifests (YAML, possibly several documents), the config
 * and an optional host state. Every problem is a {@link PlanInputError} naming the file
 * and field, which the CLI prints alone with exit code 2.
 *
 * @module
 */

import { parseAllDocuments } from "yaml";
import type { ClaimObject } from "../decide/claim.ts";
import type { StorageClassInfo } from "../decide/volume_spec.ts";
import type { PersistentVolumeObject } from "../kube/volume_api.ts";

/** Bad input: the message names the file and field. */
export class PlanInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanInputError";
  }
}

type Manifest = { kind?: string; metadata?: { name?: string }; [key: string]: unknown };

/** Reads a text file, turning "not found" into a clear input error. */
export async function readInput(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : (error as Error).message;
    throw new PlanInputError(`cannot read ${what} ${path}: ${reason}`);
  }
}

/** Every YAML document of a file. */
export async function readManifests(path: string, what: string): Promise<Manifest[]> {
  const docs = parseAllDocuments(await readInput(path, what));
  const list = Array.isArray(docs) ? docs : [docs];
  const manifests: Manifest[] = [];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const where = e.linePos?.[0] ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
      throw new PlanInputError(`${what} ${path} is not valid YAML (${where}): ${e.message}`);
    }
    const value = doc.toJS();
    if (value && typeof value === "object") manifests.push(value as Manifest);
  }
  return manifests;
}

/** The one object of `kind` in a file. */
export async function readObject(path: string, kind: string, what: string): Promise<Manifest> {
  const found = (await readManifests(path, what)).filter((m) => m.kind === kind);
  if (found.length !== 1) {
    throw new PlanInputError(
      `${what} ${path} must contain exactly one ${kind}, found ${found.length}`,
    );
  }
  return found[0];
}

/** The claim in a file. */
export async function readClaim(path: string): Promise<ClaimObject> {
  const claim = await readObject(path, "PersistentVolumeClaim", "claim file") as ClaimObject;
  if (!claim.metadata?.name) {
    throw new PlanInputError(`claim file ${path}: metadata.name is missing`);
  }
  return claim;
}

/** The StorageClass in a file, as the decisions need it. */
export async function readStorageClass(path: string): Promise<StorageClassInfo> {
  const sc = await readObject(path, "StorageClass", "storage class file") as Manifest & {
    provisioner?: unknown;
    reclaimPolicy?: string;
    mountOptions?: string[];
    parameters?: Record<string, string>;
  };
  const name = sc.metadata?.name;
  if (!name) throw new PlanInputError(`storage class file ${path}: metadata.name is missing`);
  if (typeof sc.provisioner !== "string" || !sc.provisioner) {
    throw new PlanInputError(`storage class file ${path}: provisioner is missing`);
  }
  return {
    name,
    provisioner: sc.provisioner,
    reclaimPolicy: sc.reclaimPolicy,
    mountOptions: sc.mountOptions,
    parameters: sc.parameters,
  };
}

/** A PersistentVolume from a file. */
export async function readPersistentVolume(path: string): Promise<PersistentVolumeObject> {
  const pv = await readObject(path, "PersistentVolume", "volume file");
  return pv as unknown as PersistentVolumeObject;
}

/** A node's state as captured from `vgs`, `lvs` and `findmnt` JSON reports. */
export interface HostStateFile {
  vgs: unknown;
  lvs?: unknown;
  mounts?: unknown;
  /** `blkid -p -o export` output by device path. */
  blkid?: Record<string, string>;
}

/** Reads a host state file (`{"vgs": <vgs report>, "lvs": <lvs report>}`). */
export async function readHostState(path: string): Promise<HostStateFile> {
  const text = await readInput(path, "host state file");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PlanInputError(
      `host state file ${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!value || typeof value !== "object" || !("vgs" in value)) {
    throw new PlanInputError(
      `host state file ${path}: expected {"vgs": <vgs --reportformat json output>, "lvs": ...}`,
    );
  }
  return value as HostStateFile;
}
