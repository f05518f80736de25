/**
 * Loads the manifests of deploy/ for the tests: the kustomization's resources in order, as
 * plain objects, with the typed subset of the API the tests look at.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { parseKustomization, parseManifests } from "../../deploy/generate.ts";

/** The repository root, with a trailing slash. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** deploy/, without a trailing slash. */
export const DEPLOY = `${ROOT}deploy`;
/** The namespace everything namespaced of ours lives in. */
export const NAMESPACE = "local-lvm-storage";

/** Object metadata, as far as the tests use it. */
export interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Any Kubernetes object. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  [field: string]: unknown;
}

/** One object and the file it came from. */
export interface Loaded {
  file: string;
  object: KubeObject;
}

/** Reads deploy/kustomization.yaml. */
export async function readKustomization(): Promise<ReturnType<typeof parseKustomization>> {
  return parseKustomization(await Deno.readTextFile(`${DEPLOY}/kustomization.yaml`));
}

/** Parses YAML text into objects, checking each has apiVersion, kind and metadata.name. */
export function toObjects(text: string, where: string): KubeObject[] {
  return parseManifests(text, where).map((doc, index) => {
    const value = doc.toJS() as Partial<KubeObject> | null;
    const ok = typeof value?.apiVersion === "string" && typeof value.kind === "string" &&
      typeof value.metadata?.name === "string";
    if (!ok) throw new Error(`${where}: object ${index} lacks apiVersion, kind or metadata.name`);
    return value as KubeObject;
  });
}

/** Every object of the kustomization's resources, in the listed order. */
export async function loadAll(): Promise<Loaded[]> {
  const { resources } = await readKustomization();
  const all: Loaded[] = [];
  for (const file of resources) {
    const text = await Deno.readTextFile(`${DEPLOY}/${file}`);
    for (const object of toObjects(text, `deploy/${file}`)) all.push({ file, object });
  }
  return all;
}

/** The one object of `kind` (and `name`, if given); throws if there is not exactly one. */
export function only<T extends KubeObject = KubeObject>(
  objects: readonly Loaded[],
  kind: string,
  name?: string,
): T {
  const found = objects.filter(({ object }) =>
    object.kind === kind && (name === undefined || object.metadata.name === name)
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  }
  return found[0].object as T;
}

/** An RBAC policy rule. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** A Role or ClusterRole. */
export interface RoleObject extends KubeObject {
  rules: PolicyRule[];
}

/** A RoleBinding or ClusterRoleBinding. */
export interface BindingObject extends KubeObject {
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string }[];
}
