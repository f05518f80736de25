/**
 * The expansion crash matrix on the simulated host: the agent dies right before and right after
 * every effect the saga has (node commands and API writes); a restarted agent recovers from the
 * journal, and the end state is always the finished expansion, never a half-done one.
 */
import assert from "node:assert/strict";
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import type { CommandResult, Executor, RunOptions } from "../../src/host/executor.ts";
import type { ClaimStatusApi } from "../../src/kube/claim_status.ts";
import { recoverResizes } from "../../src/resize/recover_resizes.ts";
import type { ResizeDeps } from "../../src/resize/deps.ts";
import { runResize } from "../../src/resize/run_resize.ts";
import { SagaEngine } from "../../src/saga/mod.ts";
import { SagaHalted } from "../../src/saga/types.ts";
import { resizeSaga } from "../../steps/resize_saga.ts";
import {
  currentClaim,
  MiB,
  planGrow,
  requestSize,
  type ResizeWorld,
  resizeWorld,
  runnerFor,
} from "./world.ts";

const READS = new Set(["lvs", "vgs", "blkid", "findmnt"]);

/** Counts effects and "kills the process" before or after the chosen one. */
class Killer {
  readonly effects: string[] = [];
  readonly halt = new AbortController();
  constructor(readonly at?: { n: number; when: "before" | "after" }) {}

  async effect<T>(name: string, run: () => Promise<T>): Promise<T> {
    const n = this.effects.length + 1;
    this.effects.push(name);
    if (this.at?.n === n && this.at.when === "before") this.#die(name);
    const result = await run();
    if (this.at?.n === n && this.at.when === "after") this.#die(name);
    return result;
  }

  #die(name: string): never {
    this.halt.abort();
    throw new Error(`killed ${this.at!.when} ${name}`);
  }

  deps(w: ResizeWorld): ResizeDeps {
    const exec = new AllowlistExecutor(w.host);
    const node: Executor = {
      run: (argv: readonly string[], options?: RunOptions): Promise<CommandResult> =>
        READS.has(argv[0])
          ? exec.run(argv, options)
          : this.effect(argv[0], () => exec.run(argv, options)),
    };
    const claims: ClaimStatusApi = {
      readClaim: (ns, name) => w.claims.readClaim(ns, name),
      patchClaimStatus: (ns, name, status) =>
        this.effect("patch claim status", () => w.claims.patchClaimStatus(ns, name, status)),
    };
    return {
      exec: node,
      kube: {
        readPersistentVolume: (name) => w.kube.readPersistentVolume(name),
        setCapacity: (name, storage) =>
          this.effect("patch PV", () => w.kube.setCapacity(name, storage)),
      },
      claims,
    };
  }
}

async function attempt(w: ResizeWorld, killer: Killer) {
  const engine = new SagaEngine(resizeSaga, {
    journal: w.journal,
    deps: killer.deps(w),
    signal: killer.halt.signal,
    sleep: () => Promise.resolve(),
  });
  const runner = { ...runnerFor(w), engine };
  return await runResize(runner, (await planGrow(w))!, await currentClaim(w));
}

Deno.test("resize crash matrix: killed before or after every effect, recovery finishes it", async () => {
  const probe = await resizeWorld();
  requestSize(probe, "40Mi");
  const counter = new Killer();
  assert.equal((await attempt(probe, counter)).status, "resized");
  assert.deepEqual(counter.effects, [
    "patch claim status",
    "lvextend",
    "resize2fs",
    "patch PV",
    "patch claim status",
  ]);
  let cases = 0;
  for (let n = 1; n <= counter.effects.length; n++) {
    for (const when of ["before", "after"] as const) {
      const label = `${when} effect ${n} (${counter.effects[n - 1]})`;
      const w = await resizeWorld();
      w.host.writeFile(`${w.volume.hostPath}/payload.txt`, "kept\n");
      requestSize(w, "40Mi");
      await assert.rejects(() => attempt(w, new Killer({ n, when })), SagaHalted, label);
      assert.equal((await w.journal.list()).length, 1, `${label}: journaled`);
      const claim = await currentClaim(w);
      const results = await recoverResizes(w.journal, runnerFor(w), () => claim);
      assert.deepEqual(results.map((r) => r.status), ["resized"], label);
      const [lv] = w.host.listLvs();
      assert.equal(lv.sizeBytes, 40 * MiB, `${label}: LV`);
      assert.equal(lv.filesystem?.sizeBytes, 40 * MiB, `${label}: filesystem`);
      const pv = await w.kube.readPersistentVolume(w.volume.pvName);
      assert.equal((pv?.spec.capacity as { storage: string }).storage, "40Mi", `${label}: PV`);
      const status = (await currentClaim(w)).status as Record<string, unknown>;
      assert.deepEqual(status.capacity, { storage: "40Mi" }, `${label}: claim capacity`);
      assert.deepEqual(status.conditions, [], `${label}: no conditions`);
      assert.equal(status.allocatedResourceStatuses, undefined, `${label}: statuses cleared`);
      assert.deepEqual(await w.journal.list(), [], `${label}: journal empty`);
      assert.equal(w.host.readFile(`${w.volume.hostPath}/payload.txt`), "kept\n", label);
      cases++;
    }
  }
  assert.equal(cases, 10);
});
