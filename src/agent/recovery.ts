/**
 * Before taking new work, a restarted agent finishes or undoes every saga its journal
 * holds: forwards when the claim still wants its volume, backwards otherwise.
 *
 * @module
 */

import type { ClaimObject } from "../decide/claim.ts";
import type { Direction, SagaOutcome, SagaRecord } from "../saga/types.ts";
import type { VolumeSpec } from "../volume.ts";
import { RESIZE_KIND } from "../resize/spec.ts";
import type { AgentContext } from "./context.ts";

/** Which way an unfinished provisioning should go, given the claim as the cache has it. */
export function recoveryDirection(
  record: SagaRecord<VolumeSpec>,
  claim: ClaimObject | undefined,
): Direction {
  if (record.direction === "backward") return "backward";
  const wanted = claim?.metadata?.uid === record.params.claim.uid &&
    !claim.metadata?.deletionTimestamp;
  return wanted ? "forward" : "backward";
}

/** Recovers every journaled saga, oldest first; returns their outcomes. */
export async function recoverJournal(ctx: AgentContext): Promise<SagaOutcome[]> {
  const outcomes: SagaOutcome[] = [];
  for (const record of await ctx.journal.list() as SagaRecord<VolumeSpec>[]) {
    // Expansions have their own recovery (resize_controller.ts).
    if (record.kind === RESIZE_KIND) continue;
    if (record.kind !== ctx.engine.definition.kind) {
      ctx.log.warn("Journal entry {id} is of unknown kind {kind}; leaving it", {
        id: record.id,
        kind: record.kind,
      });
      continue;
    }
    const { namespace, name } = record.params.claim;
    const claim = ctx.claims.get(`${namespace}/${name}`) as ClaimObject | undefined;
    const direction = recoveryDirection(record, claim);
    ctx.log.info("Recovering {pv} ({direction}) from the journal", {
      pv: record.id,
      claim: `${namespace}/${name}`,
      direction,
      node: ctx.nodeName,
    });
    const outcome = await ctx.metrics.measureSaga(
      record.kind,
      "recover",
      () => ctx.engine.continue(record, direction),
    );
    ctx.log.info("Recovered {pv}: {status}", { pv: record.id, status: outcome.status });
    outcomes.push(outcome);
  }
  return outcomes;
}
