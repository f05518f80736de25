/**
 * The claim operations an expansion needs: read the claim, merge-patch its `status`.
 * {@link ClaimApi} implements them against the API server, {@link MemoryClaimStatus} in
 * memory (tests and `plan`).
 *
 * @module
 */

import type { Claim } from "./claim_api.ts";

/** Reads and status patches of claims. */
export interface ClaimStatusApi {
  /** The claim, or undefined when it does not exist. */
  readClaim(namespace: string, name: string): Promise<Claim | undefined>;
  /** Merge-patches `status` (RFC 7386: null removes a key, lists are replaced). */
  patchClaimStatus(namespace: string, name: string, status: unknown): Promise<Claim>;
}

/** RFC 7386 JSON merge patch, as the API server applies `application/merge-patch+json`. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const base = typeof target === "object" && target !== null && !Array.isArray(target)
    ? { ...(target as Record<string, unknown>) }
    : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

/** Claims kept in memory, for tests and for `plan`. */
export class MemoryClaimStatus implements ClaimStatusApi {
  readonly claims = new Map<string, Claim>();
  /** Every status patch, in order, as sent. */
  readonly patches: { key: string; status: unknown }[] = [];

  /** Stores a claim (a copy). */
  put(claim: Claim): void {
    this.claims.set(`${claim.metadata.namespace}/${claim.metadata.name}`, structuredClone(claim));
  }

  readClaim(namespace: string, name: string): Promise<Claim | undefined> {
    const claim = this.claims.get(`${namespace}/${name}`);
    return Promise.resolve(claim && structuredClone(claim));
  }

  patchClaimStatus(namespace: string, name: string, status: unknown): Promise<Claim> {
    const key = `${namespace}/${name}`;
    const claim = this.claims.get(key);
    if (!claim) {
      return Promise.reject(new Error(`persistentvolumeclaims "${name}" not found`));
    }
    this.patches.push({ key, status: structuredClone(status) });
    const next = mergePatch(claim, { status }) as Claim;
    // The API server decodes into typed structs and omits empty maps (`omitempty`).
    const merged = next.status as Record<string, unknown>;
    for (const [field, value] of Object.entries(merged)) {
      if (value && typeof value === "object" && Object.keys(value).length === 0) {
        if (!Array.isArray(value)) delete merged[field];
      }
    }
    this.claims.set(key, next);
    return Promise.resolve(structuredClone(next));
  }
}
