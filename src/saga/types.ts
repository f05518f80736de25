/**
 * The vocabulary of the saga engine: steps, definitions, journal records and outcomes.
 * Nothing here knows about LVM or Kubernetes.
 *
 * @module
 */

/**
 * One reversible step. `do` and `undo` must both be idempotent and must recognise work
 * that is already done (or already absent): the engine runs them again after a crash
 * that happened between an effect and its journal entry.
 */
export interface Step<P, D> {
  /** Stable name, stored in the journal. */
  readonly name: string;
  /**
   * Marks the commit point: once its `do` has completed the saga's result is published
   * (for a volume: the PV object exists). When a committed saga is torn down, the commit
   * step is undone last, so the published record outlives the effects it describes.
   */
  readonly commit?: boolean;
  /**
   * False when the step has no part in a saga with these parameters (a step only some
   * sagas of a kind need): it is then neither done nor undone. Absent means always.
   */
  applies?(params: P): boolean;
  /** One sentence saying what `do` will do with these parameters. */
  describe(params: P): string;
  /** One sentence saying what `undo` will do. */
  describeUndo(params: P): string;
  do(params: P, deps: D): Promise<void>;
  undo(params: P, deps: D): Promise<void>;
}

/** An ordered list of steps under one name. */
export interface SagaDefinition<P, D> {
  readonly kind: string;
  readonly steps: readonly Step<P, D>[];
}

/** Which way a saga is travelling. */
export type Direction = "forward" | "backward";

/** What the journal holds for one saga. Plain JSON. */
export interface SagaRecord<P = unknown> {
  id: string;
  kind: string;
  params: P;
  direction: Direction;
  /**
   * Steps whose `do` was started and that are not undone yet, in order. A step is added
   * before its `do` runs (its effect may happen even if `do` then fails or the process
   * dies), so a rollback always undoes it.
   */
  applied: string[];
  /** The step running now; written before the effect, cleared after it. */
  inFlight?: { step: string; action: "do" | "undo" };
  /** True once the commit step's `do` has completed. */
  committed: boolean;
  /** Failures met so far, oldest first; kept for reporting. */
  errors: string[];
  startedAt: string;
  updatedAt: string;
}

/** How a run of the engine ended. */
export type SagaOutcome =
  | { status: "completed"; record: SagaRecord }
  | { status: "rolled-back"; record: SagaRecord; error: Error }
  | { status: "torn-down"; record: SagaRecord }
  | { status: "stuck"; record: SagaRecord; error: Error };

/** Durable storage for saga records. Writes must be atomic. */
export interface JournalStore {
  list(): Promise<SagaRecord[]>;
  get(id: string): Promise<SagaRecord | undefined>;
  put(record: SagaRecord): Promise<void>;
  remove(id: string): Promise<void>;
}

/**
 * Thrown when the engine stops because its signal was aborted (shutdown, or a simulated
 * process death). The journal is left exactly as a killed process would leave it.
 */
export class SagaHalted extends Error {
  constructor(readonly sagaId: string, options?: ErrorOptions) {
    super(`Saga ${sagaId} halted`, options);
    this.name = "SagaHalted";
  }
}
