/**
 * `deno task doctor` and `deno task orphans` as processes, with their deno.json permission
 * flags, on the real control plane beside a running agent: doctor with the agent's token
 * finds every permission granted; with the token of a ServiceAccount whose ClusterRole lacks
 * one verb, that row fails and doctor exits 1. orphans finds an LV made on purpose, refuses
 * to remove a name that is not an orphan, and removes the one it found.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { AGENT_PERMISSIONS } from "../../src/ops/agent_rbac.ts";
import type { CheckRow } from "../../src/ops/report.ts";
import { lvcreateArgvFor } from "../../steps/lvcreate.ts";
import { createClaim, waitBound } from "../agent/claims.ts";
import { nodeProcessEnv, taskRunArgs } from "../agent/agent_process.ts";
import { type Environment, GiB, MiB, startEnvironment } from "../agent/environment.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const NODE = "node-a";

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a task as the agent's pod would, with the agent's settings. */
async function runTask(
  env: Environment,
  task: string,
  args: string[],
  kubeconfig = env.kubeconfig,
): Promise<Ran> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...await taskRunArgs(task), ...args],
    cwd: ROOT,
    clearEnv: true,
    env: nodeProcessEnv({
      node: NODE,
      kubeconfig,
      configPath: join(env.configDir, "config.json"),
      stateDir: join(env.dir, NODE, "state"),
      hostSetting: `sim:${env.nodeFile(NODE)}`,
    }),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** A ServiceAccount with the agent's roles minus `delete` on persistentvolumes; its kubeconfig. */
async function limitedKubeconfig(env: Environment): Promise<string> {
  const docs = parseAllDocuments(await Deno.readTextFile(join(ROOT, "deploy/rbac.yaml")))
    .map((d) => d.toJSON());
  const objects = docs.map((d) => {
    d.metadata.name = "local-lvm-limited";
    if (d.kind.endsWith("Binding")) {
      d.roleRef.name = "local-lvm-limited";
      d.subjects = [{ kind: "ServiceAccount", name: "limited", namespace: "local-lvm-storage" }];
    }
    if (d.kind === "ClusterRole") {
      for (const rule of d.rules) {
        if (rule.resources.includes("persistentvolumes")) {
          rule.verbs = rule.verbs.filter((v: string) => v !== "delete");
        }
      }
    }
    return d;
  });
  const account = {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "limited", namespace: "local-lvm-storage" },
  };
  await env.cluster.kubectl(
    ["apply", "-f", "-"],
    [account, ...objects].map((o) => stringify(o)).join("---\n"),
  );
  const token = (await env.cluster.kubectl([
    "create",
    "token",
    "limited",
    "-n",
    "local-lvm-storage",
  ])).trim();
  const config = JSON.parse(await Deno.readTextFile(env.kubeconfig));
  config.users[0].user.token = token;
  const path = join(env.dir, "limited.kubeconfig");
  await Deno.writeTextFile(path, JSON.stringify(config));
  return path;
}

Deno.test({
  name: "doctor and orphans as processes beside a running agent",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const env = await startEnvironment([{ name: NODE, vgs: [{ name: "vg1", sizeBytes: GiB }] }]);
    try {
      await createClaim(env.api, { name: "vol", node: NODE, size: "64Mi" });
      const claim = await waitBound(env.api, "vol");

      await t.step("doctor with the agent's token: every check ok, exit 0", async () => {
        const ran = await runTask(env, "doctor", ["--json"]);
        assert.equal(ran.code, 0, ran.stdout + ran.stderr);
        const { checks, summary } = JSON.parse(ran.stdout) as {
          checks: CheckRow[];
          summary: Record<string, number>;
        };
        assert.deepEqual(checks.filter((c) => c.status !== "ok"), []);
        assert.equal(
          checks.filter((c) => c.name.startsWith("rbac ")).length,
          AGENT_PERMISSIONS.length,
        );
        assert.ok(checks.some((c) => c.name === "api" && /v1\.\d+/.test(c.detail)));
        assert.match(checks.find((c) => c.name === "boot units")!.detail, /^1 volume mounted/);
        assert.equal(summary.fail, 0);
        const text = await runTask(env, "doctor", []);
        assert.equal(text.code, 0);
        assert.match(text.stdout, /^Node node-a\n\nCHECK +STATUS +DETAIL\n/);
        assert.match(text.stdout, /\n\d+ ok, 0 warn, 0 fail\n$/);
      });

      await t.step("doctor with a token lacking a verb: that row fails, exit 1", async () => {
        const ran = await runTask(env, "doctor", ["--json"], await limitedKubeconfig(env));
        assert.equal(ran.code, 1, ran.stdout + ran.stderr);
        const failed = (JSON.parse(ran.stdout).checks as CheckRow[]).filter((c) =>
          c.status !== "ok"
        );
        assert.deepEqual(failed.map((c) => [c.name, c.status, c.detail]), [
          ["rbac persistentvolumes", "fail", "denied cluster-wide: delete"],
        ]);
        assert.match(failed[0].fix!, /deploy\/rbac\.yaml/);
      });

      await t.step("orphans: finds an LV made on purpose, removes only what is named", async () => {
        const orphan = "pvc-00000000-0000-4000-8000-00000000beef";
        await env.node(NODE, (host) =>
          host.run(lvcreateArgvFor("vg1", orphan, 8 * MiB, [
            "local-lvm-provisioner",
            "mount=/data",
            "pvname=default-gone",
          ])));
        const listed = await runTask(env, "orphans", ["--json"]);
        assert.equal(listed.code, 0, listed.stderr);
        const found = JSON.parse(listed.stdout).orphans as { kind: string; name: string }[];
        assert.deepEqual(found.map((o) => `${o.kind}:${o.name}`), [`lv:vg1/${orphan}`]);

        const refused = await runTask(env, "orphans", [
          "--remove",
          `lv:vg1/${claim.spec.volumeName}`,
        ]);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /not an orphan .*nothing removed/);

        const removed = await runTask(env, "orphans", ["--remove", `lv:vg1/${orphan}`]);
        assert.equal(removed.code, 0, removed.stdout + removed.stderr);
        assert.match(removed.stdout, new RegExp(`Removing lv:vg1/${orphan}: .*\\n  removed`));
        const lvs = (await env.node(NODE, (h) => h.listLvs())).map((lv) => lv.name);
        assert.deepEqual(lvs, [claim.spec.volumeName]);
        const after = await runTask(env, "orphans", []);
        assert.equal(after.code, 0);
        assert.equal(after.stdout.trim(), "Node node-a: no orphans");
      });
    } finally {
      await env.stop();
    }
  },
});
