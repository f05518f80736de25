import type { SagaEngine } from "./engine.ts";
import type { Direction, JournalStore, SagaOutcome, SagaRecord } from "./types.ts";

/** Decides, for one unfinished saga found in the journal, which way it should go. */
export type RecoveryDecision = (record: SagaRecord) => Direction | Promise<Direction>;

/**
 * Finishes or rolls back every saga left in the journal, one at a time, in the order
 * they were started. Run before taking new work, so a restarted agent never builds on
 * top of half-done work.
 */
export async function recoverAll(
  journal: JournalStore,
  engines: ReadonlyMap<string, SagaEngine<unknown, unknown>>,
  decide: RecoveryDecision,
): Promise<SagaOutcome[]> {
  const outcomes: SagaOutcome[] = [];
  for (const record of await journal.list()) {
    const engine = engines.get(record.kind);
    if (!engine) throw new Error(`No engine for saga ${record.id} of kind ${record.kind}`);
    outcomes.push(await engine.continue(record, await decide(record)));
  }
  return outcomes;
}
