/**
 * The agent's Prometheus metrics (`/metrics`, text format). One {@link Registry} per agent,
 * never prom-client's global one, so two agents in one process (tests) do not mix their
 * numbers. Every name starts with `local_lvm_`.
 *
 * @module
 */

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ConfigWatcherStats } from "../config/watcher.ts";
import type { LvRow, VgRow } from "../host/lvm_report.ts";
import type { CommandTiming } from "../host/timed_executor.ts";
import type { SagaEvent } from "../saga/engine.ts";
import type { SagaOutcome } from "../saga/types.ts";
import { ORPHAN_KINDS } from "../ops/orphan_types.ts";
import { registerConfigMetrics } from "./metrics_config.ts";

/** What a saga was run for. */
export type Operation = "provision" | "delete" | "recover" | "resize";
/** How an operation ended, as counted in `local_lvm_operations_total`. */
export type OperationResult = "succeeded" | "failed" | "rolled_back" | "stuck";

const OPERATIONS: readonly Operation[] = ["provision", "delete", "recover", "resize"];
const RESULTS: readonly OperationResult[] = ["succeeded", "failed", "rolled_back", "stuck"];

/** Steps take milliseconds (reserve) to minutes (mkfs of a large volume, timeouts). */
const STEP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const SAGA_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/**
 * The result an outcome counts as. A provisioning that ends `torn-down` finished an old
 * rollback (it is retried afresh), so it counts as rolled back; a teardown that ends so
 * succeeded.
 *
 * @example
 * ```ts
 * import { operationResult } from "./metrics.ts";
 * if (operationResult("delete", "torn-down") !== "succeeded") throw new Error();
 * if (operationResult("provision", "torn-down") !== "rolled_back") throw new Error();
 * ```
 */
export function operationResult(
  operation: Operation,
  status: SagaOutcome["status"],
): OperationResult {
  switch (status) {
    case "completed":
      return "succeeded";
    case "stuck":
      return "stuck";
    case "rolled-back":
      return "rolled_back";
    case "torn-down":
      return operation === "provision" || operation === "resize" ? "rolled_back" : "succeeded";
  }
}

/** How an {@link AgentMetrics} is wired. */
export interface MetricsOptions {
  /** The config watcher's counters, read at every scrape. */
  config?: () => ConfigWatcherStats;
  /** Called after every measured saga (the agent refreshes its VG gauges then). */
  afterSaga?: () => void;
}

/** Every metric of one agent. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly #step: Histogram;
  readonly #command: Histogram;
  readonly #saga: Histogram;
  readonly #operations: Counter;
  readonly #retries: Counter;
  readonly #inFlight: Gauge;
  readonly #journal: Gauge;
  readonly #vgSize: Gauge;
  readonly #vgFree: Gauge;
  readonly #volumes: Gauge;
  readonly #orphans: Gauge;

  readonly #afterSaga?: () => void;

  constructor(options: MetricsOptions = {}) {
    this.#afterSaga = options.afterSaga;
    const registers = [this.registry];
    this.#step = new Histogram({
      name: "local_lvm_step_duration_seconds",
      help: "Duration of one saga step's do or undo, by outcome",
      labelNames: ["kind", "step", "action", "outcome"],
      buckets: STEP_BUCKETS,
      registers,
    });
    this.#command = new Histogram({
      name: "local_lvm_host_command_duration_seconds",
      help: "Duration of one command on the node, by binary and whether it exited 0",
      labelNames: ["command", "outcome"],
      buckets: STEP_BUCKETS,
      registers,
    });
    this.#saga = new Histogram({
      name: "local_lvm_saga_duration_seconds",
      help: "Duration of a saga from its start to completed, rolled back, torn down or stuck",
      labelNames: ["kind", "operation", "outcome"],
      buckets: SAGA_BUCKETS,
      registers,
    });
    this.#operations = new Counter({
      name: "local_lvm_operations_total",
      help: "Provisioning, deletion and recovery operations by result",
      labelNames: ["operation", "result"],
      registers,
    });
    this.#retries = new Counter({
      name: "local_lvm_workqueue_retries_total",
      help: "Keys a work queue put back for a retry with back-off",
      labelNames: ["queue"],
      registers,
    });
    this.#inFlight = new Gauge({
      name: "local_lvm_sagas_in_flight",
      help: "Sagas running now",
      registers,
    });
    this.#journal = new Gauge({
      name: "local_lvm_journal_entries_awaiting_recovery",
      help: "Saga journal entries found at start, and left after recovery (stuck ones)",
      registers,
    });
    this.#vgSize = new Gauge({
      name: "local_lvm_vg_size_bytes",
      help: "Size of a volume group this node provisions from",
      labelNames: ["vg"],
      registers,
    });
    this.#vgFree = new Gauge({
      name: "local_lvm_vg_free_bytes",
      help: "Free space of a volume group this node provisions from",
      labelNames: ["vg"],
      registers,
    });
    this.#volumes = new Gauge({
      name: "local_lvm_volumes",
      help: "Logical volumes tagged local-lvm-provisioner, per volume group",
      labelNames: ["vg"],
      registers,
    });
    this.#orphans = new Gauge({
      name: "local_lvm_orphans",
      help: "Orphans found by the last scan (see deno task orphans), by kind",
      labelNames: ["kind"],
      registers,
    });
    for (const kind of ORPHAN_KINDS) this.#orphans.set({ kind }, 0);
    for (const operation of OPERATIONS) {
      for (const result of RESULTS) this.#operations.inc({ operation, result }, 0);
    }
    if (options.config) registerConfigMetrics(this.registry, options.config);
  }

  /** The `Content-Type` of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** The answer to `GET /metrics`. */
  async response(): Promise<Response> {
    return new Response(await this.text(), { headers: { "Content-Type": this.contentType } });
  }

  /** Records one step's do or undo (the engine's `onEvent`). */
  observeStep(event: SagaEvent): void {
    this.#step.observe(
      { kind: event.kind, step: event.step, action: event.action, outcome: event.outcome },
      event.durationMs / 1000,
    );
  }

  observeCommand(timing: CommandTiming): void {
    this.#command.observe(
      { command: timing.command, outcome: timing.code === 0 ? "ok" : "error" },
      timing.durationMs / 1000,
    );
  }

  /**
   * Runs one saga (`engine.run`, `teardown` or `continue`), counting it in flight meanwhile,
   * and records its duration and result. A thrown error counts as `failed` and is rethrown.
   */
  async measureSaga(
    kind: string,
    operation: Operation,
    run: () => Promise<SagaOutcome>,
  ): Promise<SagaOutcome> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    this.#inFlight.inc();
    try {
      const outcome = await run();
      const result = operationResult(operation, outcome.status);
      this.#saga.observe({ kind, operation, outcome: result }, seconds());
      this.#operations.inc({ operation, result });
      return outcome;
    } catch (error) {
      this.#saga.observe({ kind, operation, outcome: "failed" }, seconds());
      this.#operations.inc({ operation, result: "failed" });
      throw error;
    } finally {
      this.#inFlight.dec();
      this.#afterSaga?.();
    }
  }

  /** Counts an operation that failed before any saga ran (no VG fits, `vgs` failed...). */
  operationFailed(operation: Operation): void {
    this.#operations.inc({ operation, result: "failed" });
  }

  /** Makes the queue's retry counter visible at 0 before its first retry. */
  declareQueue(queue: string): void {
    this.#retries.inc({ queue }, 0);
  }

  /** Counts a key its queue retries with back-off. */
  retried(queue: string): void {
    this.#retries.inc({ queue });
  }

  /** Journal entries awaiting recovery. */
  setJournalPending(entries: number): void {
    this.#journal.set(entries);
  }

  /** Replaces the per-VG gauges: `vgs` rows of the VGs we use, `lvs` rows of our LVs. */
  setVolumeGroups(vgs: readonly VgRow[], ours: readonly LvRow[]): void {
    for (const gauge of [this.#vgSize, this.#vgFree, this.#volumes]) gauge.reset();
    for (const vg of vgs) {
      this.#vgSize.set({ vg: vg.name }, vg.sizeBytes);
      this.#vgFree.set({ vg: vg.name }, vg.freeBytes);
      this.#volumes.set({ vg: vg.name }, ours.filter((lv) => lv.vg === vg.name).length);
    }
  }

  /** Orphans per kind, from the last scan. */
  setOrphans(counts: Readonly<Record<string, number>>): void {
    for (const kind of ORPHAN_KINDS) this.#orphans.set({ kind }, counts[kind] ?? 0);
  }
}
