/**
 * Reads and guarded patches of PersistentVolumeClaims. Every change of `selected-node` carries the
 * claim's resourceVersion, so it applies only to the claim the decision was made on: a claim
 * changed meanwhile answers `"conflict"` and the caller decides again on fresh data.
 *
 * @module
 */

import type { ClaimObject } from "../decide/claim.ts";
import { ANN_SELECTED_NODE } from "../decide/names.ts";
import { PERSISTENT_VOLUME_CLAIMS, resourcePath } from "./api_path.ts";
import { isConflict, isNotFound } from "./errors.ts";
import { type KubeHttp, PATCH_CONTENT_TYPES } from "./http.ts";
import type { KubeObject } from "./objects.ts";

/** A claim as plain JSON from the API. */
export type Claim = KubeObject & ClaimObject;

/** Outcome of a guarded patch. */
export type GuardedPatchResult =
  | { status: "patched"; claim: Claim }
  | { status: "conflict" }
  | { status: "notFound" };

/** Claim reads and patches. */
export class ClaimApi {
  constructor(readonly http: KubeHttp) {}

  /** Reads a claim; undefined when it does not exist. */
  async readClaim(namespace: string, name: string): Promise<Claim | undefined> {
    try {
      return await this.http.request<Claim>("GET", this.#path(namespace, name));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Removes `volume.kubernetes.io/selected-node` if the claim is still at `resourceVersion`, so
   * the scheduler picks a node again. Removing an absent annotation succeeds.
   */
  removeSelectedNode(
    namespace: string,
    name: string,
    resourceVersion: string,
  ): Promise<GuardedPatchResult> {
    return this.#guardedPatch(namespace, name, resourceVersion, { [ANN_SELECTED_NODE]: null });
  }

  /**
   * Writes `volume.kubernetes.io/selected-node` if the claim is still at `resourceVersion` (the
   * chooser for Immediate binding: of several writers, exactly one wins).
   */
  setSelectedNode(
    namespace: string,
    name: string,
    resourceVersion: string,
    node: string,
  ): Promise<GuardedPatchResult> {
    return this.#guardedPatch(namespace, name, resourceVersion, { [ANN_SELECTED_NODE]: node });
  }

  /** Merge-patches the claim's `status` subresource (expansion progress). */
  async patchClaimStatus(namespace: string, name: string, status: unknown): Promise<Claim> {
    return await this.http.request<Claim>("PATCH", this.#path(namespace, name, "status"), {
      body: { status },
      contentType: PATCH_CONTENT_TYPES.merge,
    });
  }

  #path(namespace: string, name: string, subresource?: string): string {
    return resourcePath(PERSISTENT_VOLUME_CLAIMS, { namespace, name, subresource });
  }

  async #guardedPatch(
    namespace: string,
    name: string,
    resourceVersion: string,
    annotations: Record<string, string | null>,
  ): Promise<GuardedPatchResult> {
    // A merge patch carrying metadata.resourceVersion is an optimistic-concurrency precondition.
    const patch = { metadata: { resourceVersion, annotations } };
    try {
      const claim = await this.http.request<Claim>("PATCH", this.#path(namespace, name), {
        body: patch,
        contentType: PATCH_CONTENT_TYPES.merge,
      });
      return { status: "patched", claim };
    } catch (error) {
      if (isConflict(error)) return { status: "conflict" };
      if (isNotFound(error)) return { status: "notFound" };
      throw error;
    }
  }
}
