/** Reflector logic against a scripted list-watch (no API server; the cluster tests do that). */

import assert from "node:assert/strict";
import { KubeApiError } from "../../src/kube/errors.ts";
import type { KubeObject } from "../../src/kube/objects.ts";
import { Reflector } from "../../src/kube/reflector.ts";
import { FakeClock, settle } from "./fake_clock.ts";
import { RecordingLogger } from "./recording_logger.ts";
import { ScriptedListWatch, thing } from "./scripted_list_watch.ts";

function setup() {
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  const listWatch = new ScriptedListWatch<KubeObject>();
  const seen: string[] = [];
  const reflector = new Reflector({
    listWatch,
    logger,
    clock,
    backoff: { initialMs: 500, maxMs: 4_000, jitter: 0 },
    handlers: {
      onAdd: (o) => seen.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
      onUpdate: (old, o) =>
        seen.push(
          `update ${o.metadata.name}@${old.metadata.resourceVersion}->${o.metadata.resourceVersion}`,
        ),
      onDelete: (o, unknown) =>
        seen.push(`delete ${o.metadata.name}@${o.metadata.resourceVersion}${unknown ? "?" : ""}`),
    },
  });
  return { clock, logger, listWatch, seen, reflector };
}

Deno.test("lists, then applies watch events from the list's resourceVersion", async () => {
  const { listWatch, seen, reflector } = setup();
  listWatch.lists.push({ items: [thing("a", "1"), thing("b", "2")], resourceVersion: "10" });
  reflector.start();
  assert.equal(await reflector.synced, true);
  await settle();
  assert.equal(listWatch.current.resourceVersion, "10");
  listWatch.current.push({ type: "ADDED", object: thing("c", "11") });
  listWatch.current.push({ type: "MODIFIED", object: thing("a", "12") });
  listWatch.current.push({ type: "DELETED", object: thing("b", "13") });
  listWatch.current.push({
    type: "BOOKMARK",
    object: { metadata: { name: "", resourceVersion: "20" } },
  });
  await settle();
  assert.deepEqual(seen, [
    "add a@1",
    "add b@2",
    "add c@11",
    "update a@1->12",
    "delete b@13",
  ]);
  assert.deepEqual(reflector.list().map((o) => o.metadata.name).sort(), ["a", "c"]);
  assert.equal(reflector.get("ns/a")?.metadata.resourceVersion, "12");
  // The server ends the watch: a new one starts from the bookmark, without a list.
  listWatch.current.end();
  await settle();
  assert.equal(listWatch.watches.length, 2);
  assert.equal(listWatch.current.resourceVersion, "20");
  assert.equal(listWatch.listCalls, 1);
  assert.equal(reflector.status.restarts, 1);
  await reflector.stop();
});

Deno.test("410 Gone relists at once and reports objects that vanished as deletes", async () => {
  const { listWatch, seen, reflector, logger } = setup();
  listWatch.lists.push({
    items: [thing("keep", "1"), thing("change", "2"), thing("gone", "3")],
    resourceVersion: "10",
  });
  listWatch.lists.push({
    items: [thing("keep", "1"), thing("change", "25"), thing("new", "26")],
    resourceVersion: "30",
  });
  reflector.start();
  await reflector.synced;
  await settle();
  seen.length = 0;
  listWatch.current.push({
    type: "ERROR",
    object: { kind: "Status", code: 410, reason: "Expired", message: "too old resource version" },
  });
  await settle();
  assert.deepEqual(seen.sort(), ["add new@26", "delete gone@3?", "update change@2->25"]);
  assert.equal(reflector.status.lists, 2);
  assert.equal(listWatch.current.resourceVersion, "30");
  assert.match(logger.at("warn")[0].message, /expired, relisting/);
  assert.equal(logger.at("warn")[0].properties?.delay, 0);
  await reflector.stop();
});

Deno.test("watch errors restart the watch with growing, capped back-off", async () => {
  const { listWatch, reflector, clock, logger } = setup();
  listWatch.lists.push({ items: [], resourceVersion: "10" });
  reflector.start();
  await reflector.synced;
  await settle();
  const delays: number[] = [];
  for (let i = 0; i < 5; i++) {
    listWatch.current.end(new Error(`connection reset ${i}`));
    await settle();
    delays.push(...clock.pendingDelays());
    await clock.advance(clock.pendingDelays()[0]);
  }
  assert.deepEqual(delays, [500, 1_000, 2_000, 4_000, 4_000]);
  assert.equal(listWatch.watches.length, 6);
  assert.ok(listWatch.watches.every((w) => w.resourceVersion === "10"));
  assert.equal(listWatch.listCalls, 1);
  assert.equal(reflector.status.restarts, 5);
  assert.match(String((reflector.status.lastError as Error).message), /connection reset 4/);
  const warnings = logger.at("warn").map((l) => String(l.properties?.error));
  assert.deepEqual(warnings, [0, 1, 2, 3, 4].map((i) => `connection reset ${i}`));
  await reflector.stop();
});

Deno.test("a watch closed at once without events counts as a failure", async () => {
  const { listWatch, reflector, clock } = setup();
  listWatch.lists.push({ items: [], resourceVersion: "10" });
  reflector.start();
  await reflector.synced;
  await settle();
  listWatch.current.end();
  await settle();
  assert.deepEqual(clock.pendingDelays(), [500]);
  assert.match(String(reflector.status.lastError), /without any event/);
  await reflector.stop();
});

Deno.test("other ERROR events are failures with the server's reason", async () => {
  const { listWatch, reflector, clock } = setup();
  listWatch.lists.push({ items: [], resourceVersion: "10" });
  reflector.start();
  await reflector.synced;
  await settle();
  listWatch.current.push({
    type: "ERROR",
    object: { code: 500, reason: "InternalError", message: "etcd cluster is unavailable" },
  });
  await settle();
  const error = reflector.status.lastError;
  assert.ok(error instanceof KubeApiError);
  assert.equal(error.status, 500);
  assert.match(error.message, /etcd cluster is unavailable/);
  assert.deepEqual(clock.pendingDelays(), [500]);
  assert.equal(listWatch.listCalls, 1);
  await reflector.stop();
});

Deno.test("a failing list is retried with back-off until it works", async () => {
  const { listWatch, reflector, clock } = setup();
  listWatch.lists.push(new Error("connection refused"), new Error("connection refused"));
  listWatch.lists.push({ items: [thing("a", "1")], resourceVersion: "5" });
  reflector.start();
  await settle();
  assert.equal(reflector.hasSynced, false);
  await clock.advance(500);
  await clock.advance(1_000);
  assert.equal(await reflector.synced, true);
  assert.equal(listWatch.listCalls, 3);
  await reflector.stop();
});

Deno.test("a throwing handler is logged and does not stop the reflector", async () => {
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  const listWatch = new ScriptedListWatch<KubeObject>();
  listWatch.lists.push({ items: [], resourceVersion: "1" });
  const added: string[] = [];
  const reflector = new Reflector({
    listWatch,
    logger,
    clock,
    handlers: {
      onAdd: (o) => {
        if (o.metadata.name === "bad") throw new Error("handler bug");
        added.push(o.metadata.name);
      },
    },
  });
  reflector.start();
  await reflector.synced;
  await settle();
  listWatch.current.push({ type: "ADDED", object: thing("bad", "2") });
  listWatch.current.push({ type: "ADDED", object: thing("good", "3") });
  await settle();
  assert.deepEqual(added, ["good"]);
  assert.equal(logger.at("error").length, 1);
  assert.equal(reflector.list().length, 2);
  await reflector.stop();
});

Deno.test("stop ends the watch and the back-off timer; synced is false if never synced", async () => {
  const { listWatch, reflector, clock } = setup();
  listWatch.lists.push(new Error("connection refused"));
  reflector.start();
  await settle();
  assert.deepEqual(clock.pendingDelays(), [500]);
  await reflector.stop();
  assert.deepEqual(clock.pendingDelays(), []);
  assert.equal(await reflector.synced, false);

  const second = setup();
  second.listWatch.lists.push({ items: [], resourceVersion: "1" });
  second.reflector.start();
  await second.reflector.synced;
  await settle();
  const watch = second.listWatch.current;
  await second.reflector.stop();
  assert.equal(watch.ended, true);
  assert.equal(watch.signal.aborted, true);
});
