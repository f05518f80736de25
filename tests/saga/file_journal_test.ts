import assert from "node:assert/strict";
import { FileJournal, type SagaRecord } from "../../src/saga/mod.ts";

function record(id: string, startedAt: string): SagaRecord {
  return {
    id,
    kind: "toy",
    params: { x: 1 },
    direction: "forward",
    applied: ["a"],
    committed: false,
    errors: [],
    startedAt,
    updatedAt: startedAt,
  };
}

Deno.test("the file journal stores, lists in start order, and removes records", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const journal = new FileJournal(`${dir}/journal`);
    assert.deepEqual(await journal.list(), [], "a missing directory is an empty journal");
    await journal.put(record("pvc-2", "2026-01-02T00:00:00Z"));
    await journal.put(record("pvc-1", "2026-01-01T00:00:00Z"));
    assert.deepEqual((await journal.list()).map((r) => r.id), ["pvc-1", "pvc-2"]);
    assert.equal((await journal.get("pvc-2"))?.startedAt, "2026-01-02T00:00:00Z");
    await journal.remove("pvc-2");
    await journal.remove("pvc-2");
    assert.deepEqual((await journal.list()).map((r) => r.id), ["pvc-1"]);
    const leftovers = [...Deno.readDirSync(`${dir}/journal`)].map((e) => e.name);
    assert.deepEqual(leftovers, ["pvc-1.json"], "no temporary files are left behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a write cut short before its rename is discarded, the committed record kept", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const journal = new FileJournal(dir);
    assert.deepEqual(await journal.discardTornWrites(), [], "nothing to discard");
    await journal.put(record("resize-pvc-1", "2026-01-01T00:00:00Z"));
    // What a SIGKILL between the synced temporary file and the rename leaves.
    await Deno.writeTextFile(`${dir}/resize-pvc-1.json.tmp`, '{"id": "resize-pvc-1", "applied": [');
    await Deno.writeTextFile(`${dir}/pvc-2.json.tmp`, "{}");
    await Deno.writeTextFile(`${dir}/notes.txt`, "not ours");
    assert.deepEqual(await journal.discardTornWrites(), [
      "pvc-2.json.tmp",
      "resize-pvc-1.json.tmp",
    ]);
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["notes.txt", "resize-pvc-1.json"]);
    assert.deepEqual((await journal.list()).map((r) => r.applied), [["a"]]);
    assert.deepEqual(await new FileJournal(`${dir}/missing`).discardTornWrites(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the file journal refuses ids that are not plain file names", async () => {
  const journal = new FileJournal("/nonexistent");
  await assert.rejects(journal.get("../etc/passwd"), /cannot name a journal file/);
  await assert.rejects(journal.put(record(".hidden", "x")), /cannot name a journal file/);
});

Deno.test("a corrupt journal file is reported with its path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/pvc-9.json`, "{not json");
    await assert.rejects(new FileJournal(dir).list(), /pvc-9\.json is not valid JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
