/**
 * One agent process for the crash matrix: runs the real engine and steps against the
 * guest, with a file journal and file-backed PVs that outlive it, and (with `--kill-after
 * N`) kills itself with SIGKILL right after its N-th effect returns: the effect is done on
 * the node, and the journal has not heard of it.
 *
 * An effect is a command that changes the node (anything but lvs, vgs, blkid, findmnt) or a
 * PV create or delete. On a normal end it prints one JSON line: the outcome and every
 * effect in order.
 *
 * ```sh
 * deno run --no-lock --allow-net=127.0.0.1:PORT --allow-read=DIR --allow-write=DIR \
 *   tests/guest/saga_driver.ts --port PORT --spec DIR/spec.json --state DIR \
 *   --mode provision|teardown|recover-forward|recover-backward [--kill-after N]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { AllowlistExecutor } from "../../src/host/allowlist.ts";
import type { CommandResult, Executor, RunOptions } from "../../src/host/executor.ts";
import { RemoteExecutor } from "../../src/host/remote_executor.ts";
import type { PersistentVolumeObject, VolumeApi } from "../../src/kube/volume_api.ts";
import { ReservationBook } from "../../src/provision/reservations.ts";
import { FileJournal, SagaEngine } from "../../src/saga/mod.ts";
import type { SagaOutcome, SagaRecord } from "../../src/saga/types.ts";
import type { VolumeSpec } from "../../src/volume.ts";
import { provisionSaga } from "../../steps/mod.ts";
import { FileVolumeApi } from "./file_volume_api.ts";

/** What a driver run prints when it was not killed. */
export interface DriverResult {
  status: SagaOutcome["status"] | "nothing-journaled";
  error?: string;
  effects: string[][];
}

const READS = new Set(["lvs", "vgs", "blkid", "findmnt"]);

/** Counts effects and dies right after the chosen one. */
class Effects {
  readonly list: string[][] = [];
  constructor(readonly killAfter: number | undefined) {}

  done(effect: string[]): void {
    this.list.push(effect);
    if (this.list.length === this.killAfter) {
      console.error(`saga_driver: killed after effect ${this.list.length}: ${effect.join(" ")}`);
      Deno.kill(Deno.pid, "SIGKILL");
    }
  }

  executor(inner: Executor): Executor {
    return {
      run: async (argv: readonly string[], options?: RunOptions): Promise<CommandResult> => {
        const result = await inner.run(argv, options);
        if (!READS.has(argv[0])) this.done([...argv]);
        return result;
      },
    };
  }

  volumeApi(inner: VolumeApi): VolumeApi {
    return {
      createPersistentVolume: async (pv: PersistentVolumeObject) => {
        await inner.createPersistentVolume(pv);
        this.done(["(api)", "create", pv.metadata.name]);
      },
      readPersistentVolume: (name: string) => inner.readPersistentVolume(name),
      deletePersistentVolume: async (name: string) => {
        await inner.deletePersistentVolume(name);
        this.done(["(api)", "delete", name]);
      },
    };
  }
}

async function main(): Promise<DriverResult> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      port: { type: "string" },
      spec: { type: "string" },
      state: { type: "string" },
      mode: { type: "string" },
      "kill-after": { type: "string" },
    },
  });
  const { port, spec: specFile, state, mode } = values;
  if (!port || !specFile || !state || !mode) throw new Error("usage: see the module comment");
  const spec = JSON.parse(await Deno.readTextFile(specFile)) as VolumeSpec;
  const killAfter = values["kill-after"] ? Number(values["kill-after"]) : undefined;
  const effects = new Effects(killAfter);
  const remote = new RemoteExecutor({ port: Number(port) });
  const journal = new FileJournal(`${state}/journal`);
  const engine = new SagaEngine(provisionSaga, {
    journal,
    deps: {
      // The node executor exactly as on a node; the observer only watches what returns.
      exec: effects.executor(new AllowlistExecutor(remote)),
      kube: effects.volumeApi(new FileVolumeApi(`${state}/pvs`)),
      reservations: new ReservationBook(),
    },
    undoAttempts: 3,
    undoBackoffMs: 300,
  });
  try {
    let outcome: SagaOutcome;
    if (mode === "provision") outcome = await engine.run(spec.pvName, spec);
    else if (mode === "teardown") outcome = await engine.teardown(spec.pvName, spec);
    else {
      const record = await journal.get(spec.pvName) as SagaRecord<VolumeSpec> | undefined;
      if (!record) return { status: "nothing-journaled", effects: effects.list };
      outcome = await engine.continue(
        record,
        mode === "recover-backward" ? "backward" : "forward",
      );
    }
    const error = "error" in outcome ? outcome.error.message : undefined;
    return { status: outcome.status, ...(error ? { error } : {}), effects: effects.list };
  } finally {
    remote.close();
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await main()));
}
