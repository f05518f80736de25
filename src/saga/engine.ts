/**
 * A small saga engine: runs steps in order, journals each one before its effect (the
 * previous step's completion goes into the same write), undoes the applied steps newest
 * first when one fails, and can pick up any journaled saga after a restart, forwards or
 * backwards.
 *
 * @module
 */

import type {
  Direction,
  JournalStore,
  SagaDefinition,
  SagaOutcome,
  SagaRecord,
  Step,
} from "./types.ts";
import { SagaHalted } from "./types.ts";
import { undoOrder } from "./undo_order.ts";

/** Something the engine did, for logs and metrics. */
export interface SagaEvent {
  sagaId: string;
  kind: string;
  step: string;
  action: "do" | "undo";
  outcome: "ok" | "error";
  durationMs: number;
  error?: Error;
  attempt?: number;
}

/** How the engine is wired. */
export interface EngineOptions<D> {
  journal: JournalStore;
  deps: D;
  /**
   * When aborted the engine starts nothing more: a step that is running ends as it will,
   * its completion is journaled, and the run rejects with {@link SagaHalted}.
   */
  signal?: AbortSignal;
  /** Tries per undo before the saga is reported stuck (it stays journaled for a later retry). */
  undoAttempts?: number;
  /** First back-off between undo tries; doubles each time. */
  undoBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  onEvent?: (event: SagaEvent) => void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs sagas of one definition. */
export class SagaEngine<P, D> {
  readonly #steps: Map<string, Step<P, D>>;
  readonly #opts: Required<Omit<EngineOptions<D>, "signal" | "onEvent">> & EngineOptions<D>;

  constructor(readonly definition: SagaDefinition<P, D>, options: EngineOptions<D>) {
    this.#steps = new Map(definition.steps.map((s) => [s.name, s]));
    this.#opts = {
      undoAttempts: 4,
      undoBackoffMs: 250,
      sleep: defaultSleep,
      now: () => new Date(),
      ...options,
    };
  }

  /** Starts a saga forwards, or continues the journaled saga of that id. */
  async run(id: string, params: P): Promise<SagaOutcome> {
    const existing = await this.#opts.journal.get(id);
    if (existing) return this.continue(existing as SagaRecord<P>);
    const record = this.#newRecord(id, params, "forward", [], false);
    await this.#persist(record);
    return this.#forward(record);
  }

  /**
   * Tears down the result of a saga that completed earlier (its journal entry is gone):
   * every step counts as applied and committed, and is undone.
   */
  async teardown(id: string, params: P): Promise<SagaOutcome> {
    const existing = await this.#opts.journal.get(id) as SagaRecord<P> | undefined;
    const all = this.definition.steps.filter((s) => s.applies?.(params) ?? true).map((s) => s.name);
    const record = existing ?? this.#newRecord(id, params, "backward", all, true);
    record.direction = "backward";
    await this.#persist(record);
    return this.#backward(record);
  }

  /** Continues a journaled saga in the direction its record says. */
  continue(record: SagaRecord<P>, direction: Direction = record.direction): Promise<SagaOutcome> {
    if (record.kind !== this.definition.kind) {
      throw new Error(`Saga ${record.id} is a ${record.kind} saga, not ${this.definition.kind}`);
    }
    record.direction = direction;
    return direction === "forward" ? this.#forward(record) : this.#backward(record);
  }

  async #forward(record: SagaRecord<P>): Promise<SagaOutcome> {
    // A completed step is journaled together with the start of the next one (one synced
    // write, not two): a crash in between leaves the step in flight, and it is redone, as
    // after a crash between its effect and any journal write.
    let unsaved = false;
    for (const step of this.definition.steps) {
      if (step.applies && !step.applies(record.params)) continue;
      const resuming = record.inFlight?.step === step.name;
      if (record.applied.includes(step.name) && !resuming) continue;
      await this.#checkHalt(record, unsaved);
      if (!record.applied.includes(step.name)) record.applied.push(step.name);
      record.inFlight = { step: step.name, action: "do" };
      await this.#persist(record);
      unsaved = false;
      try {
        await this.#timed(record, step, "do", () => step.do(record.params, this.#opts.deps));
      } catch (error) {
        this.#haltIfAborted(record, error);
        const cause = asError(error);
        record.errors.push(`${step.name}: ${cause.message}`);
        record.direction = "backward";
        record.inFlight = undefined;
        await this.#persist(record);
        const outcome = await this.#backward(record);
        if (outcome.status === "stuck") return outcome;
        return { status: "rolled-back", record, error: cause };
      }
      record.inFlight = undefined;
      if (step.commit) {
        // The commit point is journaled at once: it decides the order of any later undo.
        record.committed = true;
        await this.#persist(record);
      } else {
        unsaved = true;
      }
    }
    await this.#opts.journal.remove(record.id);
    return { status: "completed", record };
  }

  async #backward(record: SagaRecord<P>): Promise<SagaOutcome> {
    // As forwards: an undone step is journaled with the start of the next undo.
    let unsaved = false;
    for (const name of undoOrder(record, this.definition.steps)) {
      const step = this.#steps.get(name);
      if (!step) throw new Error(`Saga ${record.id} names unknown step ${name}`);
      await this.#checkHalt(record, unsaved);
      record.inFlight = { step: name, action: "undo" };
      await this.#persist(record);
      unsaved = false;
      const failure = await this.#undoWithRetries(record, step);
      if (failure) {
        record.errors.push(`${name} (undo): ${failure.message}`);
        record.inFlight = undefined;
        await this.#persist(record);
        return { status: "stuck", record, error: failure };
      }
      record.applied = record.applied.filter((n) => n !== name);
      record.inFlight = undefined;
      unsaved = true;
    }
    await this.#opts.journal.remove(record.id);
    return { status: "torn-down", record };
  }

  /** Returns the last error if every try failed, else undefined. */
  async #undoWithRetries(record: SagaRecord<P>, step: Step<P, D>): Promise<Error | undefined> {
    let delay = this.#opts.undoBackoffMs;
    for (let attempt = 1;; attempt++) {
      try {
        await this.#timed(
          record,
          step,
          "undo",
          () => step.undo(record.params, this.#opts.deps),
          attempt,
        );
        return undefined;
      } catch (error) {
        this.#haltIfAborted(record, error);
        if (attempt >= this.#opts.undoAttempts) {
          return new Error(
            `Undo of step ${step.name} of saga ${record.id} failed ${attempt} times: ${
              asError(error).message
            }`,
            { cause: error },
          );
        }
        await this.#opts.sleep(delay);
        delay *= 2;
      }
    }
  }

  async #timed(
    record: SagaRecord<P>,
    step: Step<P, D>,
    action: "do" | "undo",
    fn: () => Promise<void>,
    attempt?: number,
  ): Promise<void> {
    const started = performance.now();
    const emit = (outcome: "ok" | "error", error?: Error) =>
      this.#opts.onEvent?.({
        sagaId: record.id,
        kind: record.kind,
        step: step.name,
        action,
        outcome,
        durationMs: performance.now() - started,
        error,
        attempt,
      });
    try {
      await fn();
    } catch (error) {
      if (!this.#opts.signal?.aborted) emit("error", asError(error));
      throw error;
    }
    emit("ok");
  }

  /** Between steps: a stop journals the finished step first, so a restart need not redo it. */
  async #checkHalt(record: SagaRecord<P>, unsaved: boolean): Promise<void> {
    if (!this.#opts.signal?.aborted) return;
    if (unsaved) await this.#persist(record);
    throw new SagaHalted(record.id);
  }

  #haltIfAborted(record: SagaRecord<P>, error: unknown): void {
    if (this.#opts.signal?.aborted) throw new SagaHalted(record.id, { cause: error });
  }

  #newRecord(
    id: string,
    params: P,
    direction: Direction,
    applied: string[],
    committed: boolean,
  ): SagaRecord<P> {
    const now = this.#opts.now().toISOString();
    return {
      id,
      kind: this.definition.kind,
      params,
      direction,
      applied: [...applied],
      committed,
      errors: [],
      startedAt: now,
      updatedAt: now,
    };
  }

  async #persist(record: SagaRecord<P>): Promise<void> {
    record.updatedAt = this.#opts.now().toISOString();
    await this.#opts.journal.put(record as SagaRecord);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
