/**
 * What `plan` shows: the commands each step sends to the node, captured by running the
 * real steps through the real engine against a simulated copy of the node.
 *
 * @module
 */

import type { CommandResult, Executor, RunOptions } from "../host/executor.ts";
import type { VolumeApi } from "../kube/volume_api.ts";
import type { SagaDefinition, Step } from "../saga/types.ts";

/** One command a step ran (or, for `api`, one API server request it made). */
export interface RecordedCommand {
  argv: string[];
  /** Set for API server requests: argv then reads like `create PersistentVolume pvc-…`. */
  api?: true;
  /** True for commands that only read (`lvs`, `vgs`, `blkid`, `findmnt`, `systemctl is-enabled`). */
  readOnly: boolean;
  /** Content fed on standard input (unit files). */
  stdin?: string;
  code: number;
}

/** The commands of one step, for one action. */
export interface RecordedStep {
  step: string;
  action: "do" | "undo";
  description: string;
  commands: RecordedCommand[];
}

const READ_ONLY = new Set(["lvs", "vgs", "blkid", "findmnt"]);

function isReadOnly(argv: readonly string[]): boolean {
  return READ_ONLY.has(argv[0]) || (argv[0] === "systemctl" && argv[1] === "is-enabled");
}

/** Sits between the steps and an executor and writes down every command per step. */
export class StepRecorder implements Executor {
  readonly steps: RecordedStep[] = [];
  #current?: RecordedStep;

  constructor(readonly inner: Executor) {}

  async run(argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    const result = await this.inner.run(argv, options);
    this.#current?.commands.push({
      argv: [...argv],
      readOnly: isReadOnly(argv),
      ...(options?.stdin !== undefined ? { stdin: options.stdin } : {}),
      code: result.code,
    });
    return result;
  }

  /** Notes an API server request made by the current step. */
  recordApi(verb: string, kind: string, name: string, ok: boolean, extra: string[] = []): void {
    this.#current?.commands.push({
      argv: [verb, kind, name, ...extra],
      api: true,
      readOnly: verb === "get",
      code: ok ? 0 : 1,
    });
  }

  /** A VolumeApi that notes each request here before passing it on. */
  volumeApi(inner: VolumeApi): VolumeApi {
    const note = async <T>(verb: string, name: string, call: () => Promise<T>) => {
      try {
        const result = await call();
        this.recordApi(verb, "PersistentVolume", name, true);
        return result;
      } catch (error) {
        this.recordApi(verb, "PersistentVolume", name, false);
        throw error;
      }
    };
    return {
      createPersistentVolume: (pv) =>
        note("create", pv.metadata.name, () => inner.createPersistentVolume(pv)),
      readPersistentVolume: (name) => note("get", name, () => inner.readPersistentVolume(name)),
      deletePersistentVolume: (name) =>
        note("delete", name, () => inner.deletePersistentVolume(name)),
    };
  }

  /** The same saga, with each step announcing itself to this recorder first. */
  instrument<P, D>(definition: SagaDefinition<P, D>): SagaDefinition<P, D> {
    const wrap = (step: Step<P, D>): Step<P, D> => ({
      ...step,
      do: (params, deps) => {
        this.#begin(step.name, "do", step.describe(params));
        return step.do(params, deps);
      },
      undo: (params, deps) => {
        this.#begin(step.name, "undo", step.describeUndo(params));
        return step.undo(params, deps);
      },
    });
    return { kind: definition.kind, steps: definition.steps.map(wrap) };
  }

  #begin(step: string, action: "do" | "undo", description: string): void {
    this.#current = { step, action, description, commands: [] };
    this.steps.push(this.#current);
  }
}
