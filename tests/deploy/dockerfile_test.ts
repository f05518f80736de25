/**
 * The Dockerfile, checked statically (no container engine on our machines): base images, the
 * pinned Deno from npm, the node tools, the cached dependencies, and an entrypoint that runs
 * the agent with exactly the start task's permissions.
 */

import assert from "node:assert/strict";
import {
  execForm,
  inBuildContext,
  type Instruction,
  parseDockerfile,
  runsStartTask,
  stages,
} from "./dockerfile.ts";
import { localModuleGraph } from "./import_graph.ts";
import { loadAll, only, ROOT } from "./manifests.ts";
import { parseStartTask, readStartTask } from "./start_task.ts";
import type { DaemonSetObject } from "./workload.ts";

const dockerfileText = await Deno.readTextFile(`${ROOT}Dockerfile`);
const dockerignore = await Deno.readTextFile(`${ROOT}.dockerignore`);
const instructions = parseDockerfile(dockerfileText);
const task = parseStartTask(await readStartTask());

function all(keyword: string): Instruction[] {
  return instructions.filter((i) => i.keyword === keyword);
}

function single(keyword: string): Instruction {
  const found = all(keyword);
  assert.equal(found.length, 1, `one ${keyword}`);
  return found[0];
}

/** The instructions of the last (image) stage. */
const finalStage = instructions.slice(instructions.findLastIndex((i) => i.keyword === "FROM"));

/** Every `deno@X.Y.Z` in a text. */
function denoPins(text: string): string[] {
  return [...text.matchAll(/\bdeno@(\d+\.\d+\.\d+)\b/g)].map((m) => m[1]);
}

Deno.test("parseDockerfile joins continuations and drops comments", () => {
  const parsed = parseDockerfile('# c\nFROM a AS b\nRUN x \\\n  # inner\n  && y\n\nCMD ["z"]\n');
  assert.deepEqual(parsed.map((i) => [i.keyword, i.args, i.line]), [
    ["FROM", "a AS b", 2],
    ["RUN", "x && y", 3],
    ["CMD", '["z"]', 7],
  ]);
  assert.throws(() => parseDockerfile("RUN a \\\n"), /continuation/);
});

Deno.test("runsStartTask accepts the task or its exact argv, nothing else", () => {
  const argv = ["deno", "run", "--allow-net", "main.ts"];
  assert.equal(runsStartTask(["deno", "task", "start"], argv), true);
  assert.equal(runsStartTask(argv, argv), true);
  assert.equal(runsStartTask(["deno", "run", "-A", "main.ts"], argv), false);
  assert.equal(
    runsStartTask(["deno", "run", "--allow-net", "--allow-run", "main.ts"], argv),
    false,
  );
  assert.equal(runsStartTask(["deno", "task", "plan"], argv), false);
});

Deno.test("inBuildContext follows .dockerignore's last-match-wins rules", () => {
  const rules = "# c\n*\n!src\n!deno.json\nsrc/secret.ts\n";
  const cases: [string, boolean][] = [
    ["deno.json", true],
    ["src/agent/main.ts", true],
    ["src/secret.ts", false],
    ["tests/deploy/x_test.ts", false],
    [".git/HEAD", false],
    ["srcx/a.ts", false],
  ];
  for (const [path, expected] of cases) assert.equal(inBuildContext(rules, path), expected, path);
});

Deno.test("two stages: Deno from node:20-bookworm-slim, the image on debian:bookworm-slim", () => {
  assert.deepEqual(stages(instructions), [
    { image: "node:20-bookworm-slim", name: "deno" },
    { image: "debian:bookworm-slim", name: undefined },
  ]);
});

Deno.test("Deno is pinned to the version the README and .ci/run use, and verified", async () => {
  const readme = denoPins(await Deno.readTextFile(`${ROOT}README.md`));
  const ci = denoPins(await Deno.readTextFile(`${ROOT}.ci/run`));
  assert.ok(readme.length > 0 && ci.length > 0, "README and .ci/run pin Deno");
  const pinned = new Set([...readme, ...ci]);
  assert.equal(pinned.size, 1, `one Deno version, got ${[...pinned]}`);
  const [version] = pinned;
  assert.deepEqual(new Set(denoPins(dockerfileText)), pinned);
  const install = all("RUN").find((i) => i.args.includes("npm install"));
  assert.ok(install, "npm install in the build stage");
  assert.match(install.args, new RegExp(`\\bdeno@${version.replaceAll(".", "\\.")}\\b`));
  // The build checks the binary's own version line.
  assert.ok(install.args.includes(`'^deno ${version.replaceAll(".", "\\.")} '`), install.args);
});

Deno.test("the binary comes from the npm package's install location to /usr/local/bin/deno", () => {
  const copy = finalStage.filter((i) => i.keyword === "COPY" && i.args.startsWith("--from="));
  assert.deepEqual(copy.map((i) => i.args), [
    "--from=deno /deno/node_modules/deno/deno /usr/local/bin/deno",
  ]);
  const buildStage = instructions.slice(0, instructions.length - finalStage.length);
  assert.deepEqual(buildStage.filter((i) => i.keyword === "WORKDIR").map((i) => i.args), ["/deno"]);
});

Deno.test("the node tools are installed from Debian, without recommends", () => {
  const apt = finalStage.find((i) => i.keyword === "RUN" && i.args.includes("apt-get install"));
  assert.ok(apt, "apt-get install in the image stage");
  const words = apt.args.split(/\s+/);
  for (const pkg of ["lvm2", "e2fsprogs", "xfsprogs", "util-linux", "ca-certificates"]) {
    assert.ok(words.includes(pkg), pkg);
  }
  assert.ok(words.includes("--no-install-recommends"));
  assert.match(apt.args, /rm -rf \/var\/lib\/apt\/lists/);
});

Deno.test("dependencies are cached at build time in a fixed DENO_DIR", () => {
  const env = finalStage.find((i) => i.keyword === "ENV" && /\bDENO_DIR=/.test(i.args));
  assert.ok(env, "ENV DENO_DIR");
  assert.match(env.args, /\bDENO_DIR=\/\S+/);
  const install = finalStage.findIndex((i) =>
    i.keyword === "RUN" && /\bdeno install --frozen\b/.test(i.args)
  );
  assert.ok(install > finalStage.indexOf(env), "deno install after DENO_DIR is set");
  const copies = finalStage.slice(0, install).filter((i) => i.keyword === "COPY");
  const sources = copies.flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  for (const file of ["deno.json", "deno.lock"]) assert.ok(sources.includes(file), file);
  assert.ok(task.argv.includes("--cached-only"), "the agent then runs from that cache only");
});

Deno.test("the image holds every local module the agent imports, and the context has them", async () => {
  const copied = finalStage.filter((i) => i.keyword === "COPY" && !i.args.startsWith("--"))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1).map((s) => s.replace(/\/$/, "")));
  const modules = await localModuleGraph(ROOT, task.entrypoint);
  assert.ok(modules.length > 5, `${modules.length} modules`);
  for (const file of [...modules, "deno.json", "deno.lock"]) {
    assert.ok(copied.some((src) => file === src || file.startsWith(`${src}/`)), `copies ${file}`);
    assert.ok(inBuildContext(dockerignore, file), `.dockerignore keeps ${file}`);
  }
  for (const file of ["tests/deploy/dockerfile_test.ts", ".git/HEAD", "README.md", "bench/x"]) {
    assert.equal(inBuildContext(dockerignore, file), false, `.dockerignore drops ${file}`);
  }
});

Deno.test("the entrypoint runs the start task, as root, stopping on SIGTERM", () => {
  const entrypoint = execForm(single("ENTRYPOINT"));
  const cmd = all("CMD").length > 0 ? execForm(single("CMD")) : [];
  assert.ok(runsStartTask([...entrypoint, ...cmd], task.argv), JSON.stringify(entrypoint));
  assert.equal(single("STOPSIGNAL").args, "SIGTERM");
  for (const user of all("USER")) assert.match(user.args, /^(root|0)$/);
  const workdir = finalStage.filter((i) => i.keyword === "WORKDIR").at(-1);
  const denoJson = finalStage.find((i) => i.keyword === "COPY" && /\bdeno\.json\b/.test(i.args));
  assert.ok(workdir && denoJson && denoJson.args.endsWith(" ./"), "deno.json in the WORKDIR");
});

Deno.test("the image exposes the DaemonSet's http port", async () => {
  const ds = only<DaemonSetObject>(await loadAll(), "DaemonSet");
  const port = ds.spec.template.spec.containers[0].ports?.find((p) => p.name === "http");
  assert.equal(single("EXPOSE").args, String(port?.containerPort));
});
