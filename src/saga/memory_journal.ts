import type { JournalStore, SagaRecord } from "./types.ts";

/**
 * A journal held in memory. Records are copied in and out, so a test that keeps the
 * store and builds a new engine sees exactly what a restarted process would read.
 */
export class MemoryJournal implements JournalStore {
  readonly #records = new Map<string, SagaRecord>();
  /** Number of writes so far (tests use it to crash at a chosen write). */
  writes = 0;

  list(): Promise<SagaRecord[]> {
    return Promise.resolve([...this.#records.values()].map((r) => structuredClone(r)));
  }

  get(id: string): Promise<SagaRecord | undefined> {
    const record = this.#records.get(id);
    return Promise.resolve(record && structuredClone(record));
  }

  put(record: SagaRecord): Promise<void> {
    this.writes++;
    this.#records.set(record.id, structuredClone(record));
    return Promise.resolve();
  }

  remove(id: string): Promise<void> {
    this.writes++;
    this.#records.delete(id);
    return Promise.resolve();
  }
}
