import assert from "node:assert/strict";
import { type ProcessKey, WorkQueue } from "../../src/kube/work_queue.ts";
import { FakeClock, settle } from "./fake_clock.ts";
import { RecordingLogger } from "./recording_logger.ts";

function queue(process: ProcessKey, options: { concurrency?: number; clock?: FakeClock } = {}) {
  return new WorkQueue(process, {
    logger: new RecordingLogger(),
    backoff: { initialMs: 100, maxMs: 1_000 },
    ...options,
  });
}

Deno.test("add dedupes a key while it is queued", async (t) => {
  const cases: { adds: string[]; processed: string[] }[] = [
    { adds: ["a", "a", "a"], processed: ["a"] },
    { adds: ["a", "b", "a", "c", "b"], processed: ["a", "b", "c"] },
    { adds: [], processed: [] },
  ];
  for (const { adds, processed } of cases) {
    await t.step(adds.join(",") || "(none)", async () => {
      const seen: string[] = [];
      const q = queue((key) => void seen.push(key));
      for (const key of adds) q.add(key);
      assert.equal(q.length, processed.length);
      q.start();
      await q.whenIdle();
      assert.deepEqual(seen, processed);
    });
  }
});

Deno.test("a key is never processed twice at once, and re-runs once if added meanwhile", async () => {
  const running = new Map<string, number>();
  let maxSameKey = 0;
  let maxTotal = 0;
  const runs: string[] = [];
  const gates: PromiseWithResolvers<void>[] = [];
  const q = queue(async (key) => {
    running.set(key, (running.get(key) ?? 0) + 1);
    maxSameKey = Math.max(maxSameKey, running.get(key)!);
    maxTotal = Math.max(maxTotal, [...running.values()].reduce((a, b) => a + b, 0));
    runs.push(key);
    const gate = Promise.withResolvers<void>();
    gates.push(gate);
    await gate.promise;
    running.set(key, running.get(key)! - 1);
  }, { concurrency: 4 });
  q.start();
  q.add("a");
  q.add("b");
  await settle();
  assert.deepEqual(q.inFlight.sort(), ["a", "b"]);
  // Added again while in flight: queued behind the running one, and only once.
  q.add("a");
  q.add("a");
  await settle();
  assert.deepEqual(runs, ["a", "b"]);
  assert.equal(q.length, 0);
  gates[0].resolve();
  await settle();
  assert.deepEqual(runs, ["a", "b", "a"]);
  gates[1].resolve();
  gates[2].resolve();
  await q.whenIdle();
  assert.equal(maxSameKey, 1);
  assert.equal(maxTotal, 2);
  assert.deepEqual(runs, ["a", "b", "a"]);
});

Deno.test("failures back off exponentially per key, up to the cap", async () => {
  const clock = new FakeClock();
  let attempts = 0;
  const q = queue(() => {
    attempts++;
    throw new Error("lvcreate failed");
  }, { clock });
  q.start();
  q.add("a");
  await settle();
  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    const [delay] = clock.pendingDelays();
    delays.push(delay);
    await clock.advance(delay);
  }
  assert.deepEqual(delays, [100, 200, 400, 800, 1_000, 1_000]);
  assert.equal(attempts, 7);
  assert.equal(q.retries("a"), 7);
  await q.shutdown(0);
  assert.deepEqual(clock.pendingDelays(), []);
});

Deno.test("success forgets the failures of a key; other keys keep their own", async () => {
  const clock = new FakeClock();
  const failing = new Set(["a", "b"]);
  const q = queue((key) => {
    if (failing.has(key)) return { retry: true };
  }, { clock });
  q.start();
  q.add("a");
  q.add("b");
  await settle();
  await clock.advance(100);
  assert.equal(q.retries("a"), 2);
  assert.deepEqual(clock.pendingDelays(), [200, 200]);
  failing.delete("a");
  await clock.advance(200);
  assert.equal(q.retries("a"), 0);
  assert.equal(q.retries("b"), 3);
  assert.deepEqual(clock.pendingDelays(), [400]);
  failing.add("a");
  q.add("a");
  await settle();
  assert.deepEqual(clock.pendingDelays(), [100, 400]);
  await q.shutdown(0);
});

Deno.test("addAfter waits on the clock; the earliest of two delays wins", async () => {
  const clock = new FakeClock();
  const seen: string[] = [];
  const q = queue((key) => void seen.push(key), { clock });
  q.start();
  q.addAfter("a", 500);
  q.addAfter("a", 300);
  q.addAfter("a", 900);
  assert.deepEqual(clock.pendingDelays(), [300]);
  await clock.advance(299);
  assert.deepEqual(seen, []);
  await clock.advance(1);
  assert.deepEqual(seen, ["a"]);
  await clock.advance(10_000);
  assert.deepEqual(seen, ["a"]);
});

Deno.test("requeueAfterMs looks again later without counting a failure", async () => {
  const clock = new FakeClock();
  let runs = 0;
  const q = queue(() => {
    runs++;
    return runs < 3 ? { requeueAfterMs: 5_000 } : undefined;
  }, { clock });
  q.start();
  q.add("a");
  await settle();
  await clock.advance(5_000);
  await clock.advance(5_000);
  assert.equal(runs, 3);
  assert.equal(q.retries("a"), 0);
  assert.deepEqual(clock.pendingDelays(), []);
});

Deno.test("shutdown lets in-flight keys finish and drops the rest", async () => {
  const gate = Promise.withResolvers<void>();
  const finished: string[] = [];
  const q = queue(async (key) => {
    await gate.promise;
    finished.push(key);
  });
  q.start();
  q.add("a");
  q.add("b");
  q.addAfter("c", 60_000);
  await settle();
  const done = q.shutdown(5_000);
  q.add("d");
  gate.resolve();
  assert.deepEqual(await done, { drained: true, unfinished: [], dropped: 2 });
  assert.deepEqual(finished, ["a"]);
});

Deno.test("shutdown gives up after its timeout and aborts the in-flight signal", async () => {
  const clock = new FakeClock();
  let aborted = false;
  const q = queue(async (_key, signal) => {
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve()));
    aborted = signal.aborted;
  }, { clock });
  q.start();
  q.add("stuck");
  await settle();
  const done = q.shutdown(2_000);
  await clock.advance(2_000);
  assert.deepEqual(await done, { drained: false, unfinished: ["stuck"], dropped: 0 });
  await q.whenIdle();
  assert.equal(aborted, true);
});

Deno.test("a handler error is logged with the key and retried", async () => {
  const clock = new FakeClock();
  const logger = new RecordingLogger();
  let runs = 0;
  const q = new WorkQueue(() => {
    if (++runs === 1) throw new Error("boom");
  }, { logger, clock, backoff: { initialMs: 100, maxMs: 1_000 } });
  q.start();
  q.add("ns/claim");
  await settle();
  const [line] = logger.at("error");
  assert.equal(line.properties?.key, "ns/claim");
  assert.match(String(line.properties?.error), /boom/);
  await clock.advance(100);
  assert.equal(runs, 2);
  assert.equal(q.retries("ns/claim"), 0);
});
