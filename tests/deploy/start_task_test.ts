/**
 * The `start` task of deno.json, the one place the agent's permissions are defined: never
 * everything, scoped where it can be, and wide enough for the paths the DaemonSet mounts.
 */

import assert from "node:assert/strict";
import { loadAll, only, ROOT } from "./manifests.ts";
import {
  coveredBy,
  parseStartTask,
  permissionProblems,
  readStartTask,
  type StartTask,
} from "./start_task.ts";
import { type DaemonSetObject, envOf } from "./workload.ts";

const GOOD = "deno run --frozen --cached-only --allow-read=/etc/x --allow-net main.ts";

const problemCases: { task: string; problem?: RegExp }[] = [
  { task: GOOD },
  { task: "deno run -A --frozen --cached-only main.ts", problem: /-A grants every/ },
  { task: "deno run --allow-all --frozen --cached-only main.ts", problem: /--allow-all grants/ },
  { task: "deno run -qA --frozen --cached-only main.ts", problem: /-qA grants every/ },
  { task: "deno run --allow-run --frozen --cached-only main.ts", problem: /--allow-run without/ },
  { task: "deno run --allow-read --frozen --cached-only main.ts", problem: /--allow-read without/ },
  { task: "deno run --allow-write --frozen --cached-only main.ts", problem: /--allow-write with/ },
  { task: "deno run --allow-ffi --frozen --cached-only main.ts", problem: /--allow-ffi is never/ },
  { task: "deno run --cached-only main.ts", problem: /--frozen is missing/ },
  { task: "deno run --frozen main.ts", problem: /--cached-only is missing/ },
];

for (const { task, problem } of problemCases) {
  Deno.test(`permissionProblems: ${task}`, () => {
    const problems = permissionProblems(parseStartTask(task));
    if (problem) assert.ok(problems.some((p) => problem.test(p)), problems.join("; "));
    else assert.deepEqual(problems, []);
  });
}

const refusedTasks = [
  "deno task other",
  "deno run main.ts && rm -rf /",
  'deno run "--allow-read=/a b" main.ts',
  "deno run --allow-read=$HOME main.ts",
  "deno run main.ts --allow-net",
];

for (const task of refusedTasks) {
  Deno.test(`parseStartTask refuses: ${task}`, () => {
    assert.throws(() => parseStartTask(task));
  });
}

Deno.test("coveredBy: a path is covered by itself or a parent, not by a sibling prefix", () => {
  assert.equal(coveredBy("/var/lib/local-lvm", ["/var/lib/local-lvm"]), true);
  assert.equal(coveredBy("/var/lib/local-lvm/journal", ["/var/lib/local-lvm"]), true);
  assert.equal(coveredBy("/var/lib/local-lvm2", ["/var/lib/local-lvm"]), false);
  assert.equal(coveredBy("/etc", ["/etc/local-lvm"]), false);
});

const task: StartTask = parseStartTask(await readStartTask());

Deno.test("the start task grants no -A, --allow-all or unscoped read/write/run", () => {
  assert.deepEqual(permissionProblems(task), []);
});

Deno.test("the start task runs the agent's entrypoint, which exists", async () => {
  assert.equal(task.entrypoint, "src/agent/main.ts");
  assert.ok((await Deno.stat(`${ROOT}${task.entrypoint}`)).isFile);
});

Deno.test("the start task reaches exactly what the DaemonSet gives the agent", async () => {
  const ds = only<DaemonSetObject>(await loadAll(), "DaemonSet");
  const agent = ds.spec.template.spec.containers[0];
  const read = task.allow.get("allow-read") ?? [];
  const write = task.allow.get("allow-write") ?? [];
  const config = envOf(agent, "LOCAL_LVM_CONFIG")?.value ?? "";
  const state = envOf(agent, "LOCAL_LVM_STATE_DIR")?.value ?? "";
  assert.ok(coveredBy(config, read), `${config} readable`);
  assert.ok(coveredBy(state, read) && coveredBy(state, write), `${state} readable and writable`);
  for (const path of write) assert.ok(coveredBy(path, [state]), `writes only the state: ${path}`);
  // The ServiceAccount token and CA that client-node reads in a pod.
  assert.ok(coveredBy("/var/run/secrets/kubernetes.io/serviceaccount/token", read));
  // LOCAL_LVM_HOST=nsenter: every node command is spawned as nsenter.
  assert.equal(envOf(agent, "LOCAL_LVM_HOST")?.value, "nsenter");
  assert.ok(task.allow.get("allow-run")?.includes("nsenter"), "--allow-run lists nsenter");
  // The probes' port: a server needs the network.
  assert.ok(task.allow.has("allow-net"));
});
