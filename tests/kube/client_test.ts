import assert from "node:assert/strict";
import { join } from "node:path";
import { createKubeClients, loadKubeConfig } from "../../src/kube/client.ts";

const kubeconfig = (server: string) =>
  JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "one", cluster: { server } },
      { name: "two", cluster: { server: "https://127.0.0.2:6443" } },
    ],
    users: [{ name: "u", user: { token: "t" } }],
    contexts: [
      { name: "first", context: { cluster: "one", user: "u", namespace: "ns-1" } },
      { name: "second", context: { cluster: "two", user: "u" } },
    ],
    "current-context": "first",
  });

/** Runs `body` with environment variables set (or removed with undefined), then restores them. */
async function withEnv(vars: Record<string, string | undefined>, body: () => Promise<void> | void) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) Deno.env.delete(key);
      else Deno.env.set(key, value);
    }
  };
  apply(vars);
  try {
    await body();
  } finally {
    apply(saved);
  }
}

Deno.test("loadKubeConfig reads a kubeconfig file, its current or a chosen context", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "config");
    await Deno.writeTextFile(path, kubeconfig("https://127.0.0.1:6443"));
    const current = loadKubeConfig({ kind: "file", path });
    assert.equal(current.getCurrentCluster()?.server, "https://127.0.0.1:6443");
    const chosen = loadKubeConfig({ kind: "file", path, context: "second" });
    assert.equal(chosen.getCurrentCluster()?.server, "https://127.0.0.2:6443");
    await withEnv({ KUBECONFIG: path, KUBERNETES_SERVICE_HOST: undefined }, async () => {
      const auto = loadKubeConfig({ kind: "auto" });
      assert.equal(auto.getCurrentCluster()?.server, "https://127.0.0.1:6443");
      const clients = createKubeClients(auto);
      assert.equal(clients.namespace, "ns-1");
      await clients.close();
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("auto without KUBECONFIG outside a pod says what is missing", async () => {
  await withEnv({ KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined }, () => {
    assert.throws(() => loadKubeConfig({ kind: "auto" }), /KUBECONFIG is not set/);
  });
});

Deno.test("a token source gives the server, token, CA file and namespace", async () => {
  const config = loadKubeConfig({
    kind: "token",
    server: "https://127.0.0.1:6443",
    token: "secret",
    caFile: "/tmp/ca.crt",
    namespace: "local-lvm-storage",
  });
  assert.equal(config.getCurrentCluster()?.caFile, "/tmp/ca.crt");
  assert.equal(config.getCurrentUser()?.token, "secret");
  const clients = createKubeClients(config);
  assert.equal(clients.namespace, "local-lvm-storage");
  assert.equal(clients.http.server, "https://127.0.0.1:6443");
  await clients.close();
  await assert.rejects(clients.http.request("GET", "/api"), /closed/);
});
