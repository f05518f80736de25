import assert from "node:assert/strict";
import { MemoryJournal, SagaEngine, SagaHalted } from "../../src/saga/mod.ts";
import { newWorld, TOY_STEPS, toySaga, type ToyWorld } from "./toy_steps.ts";

const noSleep = () => Promise.resolve();

function engine(world: ToyWorld, journal = new MemoryJournal(), signal?: AbortSignal) {
  return new SagaEngine(toySaga, { journal, deps: world, signal, sleep: noSleep });
}

const ALL = ["t:a", "t:b", "t:c", "t:pv"];

Deno.test("a saga whose steps all succeed completes and leaves no journal entry", async () => {
  const world = newWorld();
  const journal = new MemoryJournal();
  const outcome = await engine(world, journal).run("s1", { tag: "t" });
  assert.equal(outcome.status, "completed");
  assert.deepEqual([...world.effects], ALL);
  assert.deepEqual(await journal.list(), []);
  // The start, one write before each step (with the previous step's completion), the commit
  // point at once, and the removal.
  assert.equal(journal.writes, 1 + TOY_STEPS.length + 1 + 1, "one synced write per step");
});

for (const failing of TOY_STEPS) {
  for (const mode of ["before-effect", "after-effect"] as const) {
    Deno.test(`a failure in ${failing} (${mode}) undoes every started step, newest first`, async () => {
      const world = newWorld();
      world.failDo.set(failing, mode);
      const journal = new MemoryJournal();
      const outcome = await engine(world, journal).run("s1", { tag: "t" });
      assert.equal(outcome.status, "rolled-back");
      assert.equal(world.effects.size, 0);
      const index = TOY_STEPS.indexOf(failing);
      const undone = world.log.filter((l) => l.startsWith("undo")).map((l) => l.slice(5));
      // The failing step is undone too: its effect may have happened before it failed.
      assert.deepEqual(undone, TOY_STEPS.slice(0, index + 1).reverse());
      assert.deepEqual(await journal.list(), []);
      if (outcome.status === "rolled-back") assert.match(outcome.error.message, /failed/);
    });
  }
}

Deno.test("a failing undo is retried with back-off and then succeeds", async () => {
  const world = newWorld();
  world.failDo.set("c", "before-effect");
  world.failUndo.set("b", 2);
  const delays: number[] = [];
  const journal = new MemoryJournal();
  const e = new SagaEngine(toySaga, {
    journal,
    deps: world,
    undoBackoffMs: 10,
    sleep: (ms) => (delays.push(ms), Promise.resolve()),
  });
  const outcome = await e.run("s1", { tag: "t" });
  assert.equal(outcome.status, "rolled-back");
  assert.deepEqual(delays, [10, 20]);
  assert.equal(world.effects.size, 0);
});

Deno.test("an undo that keeps failing leaves the saga journaled as stuck, and a retry finishes it", async () => {
  const world = newWorld();
  world.failDo.set("c", "before-effect");
  world.failUndo.set("b", 100);
  const journal = new MemoryJournal();
  const outcome = await engine(world, journal).run("s1", { tag: "t" });
  assert.equal(outcome.status, "stuck");
  if (outcome.status === "stuck") {
    assert.match(outcome.error.message, /Undo of step b of saga s1 failed 4 times: b undo failed/);
  }
  const [record] = await journal.list();
  assert.equal(record.direction, "backward");
  assert.deepEqual(record.applied, ["a", "b"]);
  assert.deepEqual(record.errors, [
    "c: c failed",
    "b (undo): " + (outcome.status === "stuck" ? outcome.error.message : ""),
  ]);
  assert.deepEqual([...world.effects], ["t:a", "t:b"]);

  world.failUndo.clear();
  const retry = await engine(world, journal).continue(record as never);
  assert.equal(retry.status, "torn-down");
  assert.equal(world.effects.size, 0);
  assert.deepEqual(await journal.list(), []);
});

Deno.test("teardown of a committed saga undoes effects first and the commit step last", async () => {
  const world = newWorld();
  const journal = new MemoryJournal();
  await engine(world, journal).run("s1", { tag: "t" });
  world.log.length = 0;
  const outcome = await engine(world, journal).teardown("s1", { tag: "t" });
  assert.equal(outcome.status, "torn-down");
  assert.deepEqual(world.log, ["undo c", "undo b", "undo a", "undo pv"]);
  assert.equal(world.effects.size, 0);
});

Deno.test("an aborted signal halts before the first step and changes nothing", async () => {
  const world = newWorld();
  const controller = new AbortController();
  controller.abort();
  const journal = new MemoryJournal();
  await assert.rejects(
    engine(world, journal, controller.signal).run("s1", { tag: "t" }),
    SagaHalted,
  );
  assert.equal(world.effects.size, 0);
  const [record] = await journal.list();
  assert.deepEqual(record.applied, []);
});

/**
 * Crash at every point: before and after each step's effect, going forwards and going
 * backwards. A new engine on the same journal then recovers in each direction; the end
 * state must be exactly "all effects" (forward) or "none" (backward).
 */
Deno.test("a crash at any point converges after recovery, forwards and backwards", async () => {
  let cases = 0;
  for (const phase of ["provision", "teardown"] as const) {
    for (const step of TOY_STEPS) {
      for (const when of ["before", "after"] as const) {
        for (const recoverTo of ["forward", "backward"] as const) {
          const world = newWorld();
          const journal = new MemoryJournal();
          if (phase === "teardown") await engine(world, journal).run("s1", { tag: "t" });
          const controller = new AbortController();
          world.crash = {
            step,
            action: phase === "provision" ? "do" : "undo",
            when,
            abort: () => controller.abort(),
          };
          const crashing = engine(world, journal, controller.signal);
          const run = phase === "provision"
            ? crashing.run("s1", { tag: "t" })
            : crashing.teardown("s1", { tag: "t" });
          await assert.rejects(run, SagaHalted);
          world.crash = undefined;

          const [record] = await journal.list();
          assert.ok(record, `journal keeps the saga after a crash (${phase} ${step} ${when})`);
          const direction = phase === "teardown" ? "backward" : recoverTo;
          const outcome = await engine(world, journal).continue(record as never, direction);
          const expected = direction === "forward" ? ALL : [];
          assert.deepEqual(
            [...world.effects].sort(),
            [...expected].sort(),
            `${phase} ${step} ${when}`,
          );
          assert.equal(outcome.status, direction === "forward" ? "completed" : "torn-down");
          assert.deepEqual(await journal.list(), []);
          cases++;
        }
      }
    }
  }
  console.log(`saga engine crash matrix: ${cases} of ${cases} cases converge`);
  assert.equal(cases, 2 * TOY_STEPS.length * 2 * 2);
});

Deno.test("a stop during a step journals that step as done before the saga halts", async () => {
  for (const action of ["do", "undo"] as const) {
    const controller = new AbortController();
    const done: string[] = [];
    // The stop arrives while b runs, and b finishes, as under the agent's SIGTERM.
    const step = (name: string) => ({
      name,
      describe: () => name,
      describeUndo: () => name,
      do: () => (name === "b" && action === "do" && controller.abort(), Promise.resolve()),
      undo: () => (name === "b" && action === "undo" && controller.abort(), Promise.resolve()),
    });
    const saga = { kind: "toy", steps: ["a", "b", "c"].map(step) };
    const journal = new MemoryJournal();
    const e = new SagaEngine(saga, { journal, deps: done, signal: controller.signal });
    await assert.rejects(
      action === "do" ? e.run("s1", {}) : e.teardown("s1", {}),
      SagaHalted,
    );
    const [record] = await journal.list();
    assert.equal(record.inFlight, undefined, `${action}: no step left in flight`);
    assert.deepEqual(record.applied, action === "do" ? ["a", "b"] : ["a"]);
  }
});
