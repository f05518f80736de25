/** Toy steps over a Set, for testing the engine without any host. */
import type { SagaDefinition, Step } from "../../src/saga/mod.ts";

export interface ToyWorld {
  effects: Set<string>;
  log: string[];
  /** Step names whose next `do` throws (the effect still happens when `effectThenFail`). */
  failDo: Map<string, "before-effect" | "after-effect">;
  /** Step name → how many more times its undo fails. */
  failUndo: Map<string, number>;
  /** Abort this controller when the named step's effect has been applied. */
  crash?: { step: string; action: "do" | "undo"; when: "before" | "after"; abort: () => void };
}

export function newWorld(): ToyWorld {
  return { effects: new Set(), log: [], failDo: new Map(), failUndo: new Map() };
}

function toyStep(name: string, commit = false): Step<{ tag: string }, ToyWorld> {
  const effect = (p: { tag: string }) => `${p.tag}:${name}`;
  const crashPoint = (w: ToyWorld, action: "do" | "undo", when: "before" | "after") => {
    if (w.crash?.step === name && w.crash.action === action && w.crash.when === when) {
      w.crash.abort();
      throw new Error(`crash at ${when} ${action} ${name}`);
    }
  };
  return {
    name,
    commit,
    describe: (p) => `make ${effect(p)}`,
    describeUndo: (p) => `remove ${effect(p)}`,
    do(p, w) {
      crashPoint(w, "do", "before");
      const mode = w.failDo.get(name);
      if (mode === "before-effect") return Promise.reject(new Error(`${name} failed`));
      w.effects.add(effect(p));
      w.log.push(`do ${name}`);
      crashPoint(w, "do", "after");
      if (mode === "after-effect") return Promise.reject(new Error(`${name} failed late`));
      return Promise.resolve();
    },
    undo(p, w) {
      crashPoint(w, "undo", "before");
      const left = w.failUndo.get(name) ?? 0;
      if (left > 0) {
        w.failUndo.set(name, left - 1);
        return Promise.reject(new Error(`${name} undo failed`));
      }
      w.effects.delete(effect(p));
      w.log.push(`undo ${name}`);
      crashPoint(w, "undo", "after");
      return Promise.resolve();
    },
  };
}

export const TOY_STEPS = ["a", "b", "c", "pv"] as const;

export const toySaga: SagaDefinition<{ tag: string }, ToyWorld> = {
  kind: "toy",
  steps: [toyStep("a"), toyStep("b"), toyStep("c"), toyStep("pv", true)],
};
