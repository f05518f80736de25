import assert from "node:assert/strict";
import { microTime, NOTE_LIMIT_BYTES, truncateNote } from "../../src/kube/event_object.ts";
import { EventRecorder, type EventTarget } from "../../src/kube/events.ts";
import { KubeApiError } from "../../src/kube/errors.ts";
import { FakeClock } from "./fake_clock.ts";
import { FakeEventSink } from "./fake_event_sink.ts";
import { RecordingLogger } from "./recording_logger.ts";

const claim: EventTarget = {
  apiVersion: "v1",
  kind: "PersistentVolumeClaim",
  metadata: { name: "data", namespace: "team-a", uid: "uid-1", resourceVersion: "42" },
};

function setup() {
  const clock = new FakeClock(Date.UTC(2025, 0, 1));
  const sink = new FakeEventSink();
  const logger = new RecordingLogger();
  const recorder = new EventRecorder({ sink, logger, clock, reportingInstance: "node-a" });
  return { clock, sink, logger, recorder };
}

Deno.test("an event names the claim, the agent and the node", async () => {
  const { sink, recorder, clock } = setup();
  assert.equal(recorder.warning(claim, "ProvisioningFailed", "lvcreate failed"), undefined);
  await recorder.flush();
  assert.equal(sink.calls.length, 1);
  const [call] = sink.calls;
  assert.equal(call.op, "create");
  const event = call.op === "create" ? call.event : undefined;
  assert.deepEqual(event?.regarding, {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    namespace: "team-a",
    name: "data",
    uid: "uid-1",
    resourceVersion: "42",
  });
  assert.equal(event?.metadata.namespace, "team-a");
  assert.match(event?.metadata.name ?? "", /^data\.[0-9a-f]+$/);
  assert.equal(event?.type, "Warning");
  assert.equal(event?.reason, "ProvisioningFailed");
  assert.equal(event?.action, "Provision");
  assert.equal(event?.note, "lvcreate failed");
  assert.equal(event?.reportingController, "local-lvm.io/agent");
  assert.equal(event?.reportingInstance, "node-a");
  assert.equal(event?.eventTime, microTime(clock.now()));
  assert.match(event?.eventTime ?? "", /\.\d{6}Z$/);
  assert.equal(event?.series, undefined);
});

Deno.test("repeats within 10 minutes update the count of the first event", async () => {
  const { sink, recorder, clock } = setup();
  recorder.warning(claim, "ProvisioningFailed", "VG full");
  await recorder.flush();
  for (let i = 0; i < 2; i++) {
    await clock.advance(60_000);
    recorder.warning(claim, "ProvisioningFailed", "VG full");
    await recorder.flush();
  }
  // A burst is written once, with the latest count.
  for (let i = 0; i < 5; i++) recorder.warning(claim, "ProvisioningFailed", "VG full");
  await recorder.flush();
  assert.deepEqual(sink.calls.map((c) => c.op), [
    "create",
    "updateSeries",
    "updateSeries",
    "updateSeries",
  ]);
  assert.equal(sink.events.size, 1);
  const [stored] = sink.events.values();
  assert.equal(stored.series?.count, 8);
  assert.equal(stored.series?.lastObservedTime, microTime(clock.now()));
  // More than 10 minutes after the last one: a new event.
  await clock.advance(600_001);
  recorder.warning(claim, "ProvisioningFailed", "VG full");
  await recorder.flush();
  assert.equal(sink.events.size, 2);
});

Deno.test("different object, type, reason or note make separate events", async () => {
  const { sink, recorder } = setup();
  const other = { ...claim, metadata: { ...claim.metadata, name: "logs", uid: "uid-2" } };
  recorder.warning(claim, "ProvisioningFailed", "a");
  recorder.warning(claim, "ProvisioningFailed", "b");
  recorder.warning(other, "ProvisioningFailed", "a");
  recorder.normal(claim, "Provisioning", "a");
  recorder.warning(claim, "VolumeFailedDelete", "a");
  await recorder.flush();
  assert.equal(sink.events.size, 5);
  assert.ok(sink.calls.every((c) => c.op === "create"));
  const names = new Set([...sink.events.values()].map((e) => e.metadata.name));
  assert.equal(names.size, 5);
});

Deno.test("a failed write is logged, never thrown, and the count survives", async () => {
  const { sink, recorder, logger } = setup();
  sink.failNext = new Error("connection refused");
  recorder.warning(claim, "ProvisioningFailed", "x");
  await recorder.flush();
  assert.equal(sink.events.size, 0);
  assert.match(String(logger.at("warn")[0]?.properties?.error), /connection refused/);
  recorder.warning(claim, "ProvisioningFailed", "x");
  await recorder.flush();
  const [stored] = sink.events.values();
  assert.equal(stored.series?.count, 2);
});

Deno.test("an expired event is written again under a new name", async () => {
  const { sink, recorder } = setup();
  recorder.warning(claim, "ProvisioningFailed", "x");
  await recorder.flush();
  const [firstName] = sink.events.keys();
  sink.events.clear();
  recorder.warning(claim, "ProvisioningFailed", "x");
  await recorder.flush();
  assert.deepEqual(sink.calls.map((c) => c.op), ["create", "updateSeries", "create"]);
  const [stored] = sink.events.values();
  assert.notEqual(`${stored.metadata.namespace}/${stored.metadata.name}`, firstName);
  assert.equal(stored.series?.count, 2);
});

Deno.test("other errors of a count update are logged, and the next repeat tries again", async () => {
  const { sink, recorder, logger } = setup();
  recorder.warning(claim, "ProvisioningFailed", "x");
  await recorder.flush();
  sink.failNext = new KubeApiError("PATCH", "/x", 500, "InternalError", "etcd timeout");
  recorder.warning(claim, "ProvisioningFailed", "x");
  await recorder.flush();
  assert.equal(logger.at("warn").length, 1);
  recorder.warning(claim, "ProvisioningFailed", "x");
  await recorder.flush();
  const [stored] = sink.events.values();
  assert.equal(stored.series?.count, 3);
  assert.equal(sink.events.size, 1);
});

Deno.test("events on cluster-scoped objects go to the default namespace", async () => {
  const { sink, recorder } = setup();
  const pv = { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pvc-1" } };
  recorder.warning(pv, "VolumeFailedDelete", "umount: target is busy");
  await recorder.flush();
  const [stored] = sink.events.values();
  assert.equal(stored.metadata.namespace, "default");
  assert.equal(stored.regarding.namespace, undefined);
  assert.equal(stored.action, "Delete");
});

Deno.test("the least recently seen events are forgotten beyond the cache size", async () => {
  const clock = new FakeClock();
  const sink = new FakeEventSink();
  const recorder = new EventRecorder({
    sink,
    clock,
    logger: new RecordingLogger(),
    reportingInstance: "n",
    maxCacheEntries: 2,
  });
  for (const note of ["a", "b", "a", "c", "a", "b"]) {
    recorder.normal(claim, "Provisioning", note);
    await recorder.flush();
  }
  // "a" stays cached (seen recently); "b" was evicted by "c", so its repeat is a new event.
  assert.deepEqual(
    sink.calls.map((c) => c.op === "create" ? `create ${c.event.note}` : c.op),
    ["create a", "create b", "updateSeries", "create c", "updateSeries", "create b"],
  );
});

Deno.test("truncateNote keeps the end of a long note within the API's byte limit", () => {
  const tail = '  Volume group "vg0" has insufficient free space (10 extents): 25 required.';
  const cases: { note: string; keepsEnd: string }[] = [
    { note: "short", keepsEnd: "short" },
    { note: "x".repeat(NOTE_LIMIT_BYTES), keepsEnd: "x".repeat(NOTE_LIMIT_BYTES) },
    { note: "WARNING: noise\n".repeat(200) + tail, keepsEnd: tail },
    { note: "é".repeat(1000), keepsEnd: "é".repeat(500) },
    { note: "🙂".repeat(400) + "end", keepsEnd: "🙂end" },
  ];
  for (const { note, keepsEnd } of cases) {
    const result = truncateNote(note);
    const bytes = new TextEncoder().encode(result).length;
    assert.ok(bytes <= NOTE_LIMIT_BYTES, `${bytes} bytes`);
    assert.ok(result.endsWith(keepsEnd));
    assert.ok(!result.includes("\uFFFD"), "a character was split");
    if (note.length > result.length) assert.ok(result.startsWith("..."));
    else assert.equal(result, note);
  }
});

Deno.test("recorded notes are truncated", async () => {
  const { sink, recorder } = setup();
  recorder.warning(claim, "ProvisioningFailed", "x".repeat(5000) + "THE END");
  await recorder.flush();
  const [stored] = sink.events.values();
  assert.equal(stored.note.length, NOTE_LIMIT_BYTES);
  assert.ok(stored.note.endsWith("THE END"));
});
