/**
 * After a restart: every expansion left in the journal is finished forwards while its claim
 * still exists (each step recognises what is already done), or closed backwards when the
 * claim is gone (the volume's own teardown then removes the grown LV).
 *
 * @module
 */

import type { KubeObject } from "../kube/objects.ts";
import type { JournalStore, SagaRecord } from "../saga/types.ts";
import { type ResizeResult, type ResizeRunner, runResize } from "./run_resize.ts";
import { RESIZE_KIND, type ResizeSpec } from "./spec.ts";

/** Recovers every journaled expansion, oldest first. `claimOf` reads the claim (a cache is fine). */
export async function recoverResizes(
  journal: JournalStore,
  runner: ResizeRunner,
  claimOf: (spec: ResizeSpec) => KubeObject | undefined,
): Promise<(ResizeResult | { status: "closed" })[]> {
  const results: (ResizeResult | { status: "closed" })[] = [];
  for (const record of await journal.list() as SagaRecord<ResizeSpec>[]) {
    if (record.kind !== RESIZE_KIND) continue;
    const claim = claimOf(record.params);
    if (claim?.metadata.uid !== record.params.claim.uid || claim.metadata.deletionTimestamp) {
      await runner.engine.continue(record, "backward");
      results.push({ status: "closed" });
      continue;
    }
    results.push(await runResize(runner, record.params, claim, record));
  }
  return results;
}
