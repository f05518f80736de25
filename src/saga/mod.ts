/**
 * The saga engine: ordered reversible steps, a journal, rollback and recovery.
 *
 * @module
 */
export * from "./types.ts";
export * from "./engine.ts";
export * from "./undo_order.ts";
export * from "./memory_journal.ts";
export * from "./file_journal.ts";
export * from "./recover.ts";
