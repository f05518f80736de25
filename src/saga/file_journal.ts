import type { JournalStore, SagaRecord } from "./types.ts";

/**
 * A journal kept as one JSON file per saga in a directory (on a node:
 * `/var/lib/local-lvm/journal`). Each write goes to a temporary file that is synced and
 * then renamed over the old one, so a crash leaves either the old or the new record,
 * never a torn one.
 */
export class FileJournal implements JournalStore {
  constructor(readonly dir: string) {}

  async list(): Promise<SagaRecord[]> {
    const records: SagaRecord[] = [];
    for (const name of await this.#files(".json")) {
      const record = await this.#read(`${this.dir}/${name}`);
      if (record) records.push(record);
    }
    return records.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  async get(id: string): Promise<SagaRecord | undefined> {
    return await this.#read(this.#path(id));
  }

  async put(record: SagaRecord): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true });
    const target = this.#path(record.id);
    const temp = `${target}.tmp`;
    const file = await Deno.open(temp, { write: true, create: true, truncate: true });
    try {
      await file.write(new TextEncoder().encode(JSON.stringify(record, null, 2) + "\n"));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, target);
  }

  /**
   * Removes the temporary files of writes that never reached their rename: a process
   * killed between the two leaves one behind, and the record it held was never committed
   * (the engine redoes that step, as it must after any crash). Only the journal's one
   * writer may call this, before it writes, or it could take a write that is in flight.
   * Returns the names removed.
   */
  async discardTornWrites(): Promise<string[]> {
    const torn = await this.#files(".json.tmp");
    for (const name of torn) {
      await Deno.remove(`${this.dir}/${name}`).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    }
    return torn.sort();
  }

  async remove(id: string): Promise<void> {
    try {
      await Deno.remove(this.#path(id));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  /** Names of the directory's files that end in `suffix`; none when it does not exist. */
  async #files(suffix: string): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.dir)) {
        if (entry.isFile && entry.name.endsWith(suffix)) names.push(entry.name);
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    return names;
  }

  #path(id: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith(".")) {
      throw new Error(`Saga id ${JSON.stringify(id)} cannot name a journal file`);
    }
    return `${this.dir}/${id}.json`;
  }

  async #read(path: string): Promise<SagaRecord | undefined> {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as SagaRecord;
    } catch (error) {
      throw new Error(`Journal file ${path} is not valid JSON`, { cause: error });
    }
  }
}
