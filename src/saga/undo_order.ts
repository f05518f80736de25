import type { SagaRecord, Step } from "./types.ts";

/**
 * The order in which a saga's applied steps are undone: newest first. When the saga had
 * committed, its commit steps go last instead, so that what the commit published (a PV
 * object, say) stays visible until every effect behind it is gone, and a teardown that
 * fails half-way is still on record.
 *
 * @example
 * ```ts
 * import { undoOrder } from "./undo_order.ts";
 * const steps = [{ name: "a" }, { name: "b" }, { name: "pv", commit: true }];
 * const order = undoOrder({ applied: ["a", "b", "pv"], committed: true }, steps);
 * if (order.join() !== "b,a,pv") throw new Error(order.join());
 * ```
 */
export function undoOrder(
  record: Pick<SagaRecord, "applied" | "committed">,
  steps: readonly Pick<Step<unknown, unknown>, "name" | "commit">[],
): string[] {
  const reversed = [...record.applied].reverse();
  if (!record.committed) return reversed;
  const isCommit = (name: string) => steps.some((s) => s.name === name && s.commit);
  return [...reversed.filter((n) => !isCommit(n)), ...reversed.filter(isCommit)];
}
