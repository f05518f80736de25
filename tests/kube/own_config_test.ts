/**
 * The agent's own credentials loader agrees with client-node's on what the agent uses, and
 * steps aside for what it does not do.
 */
import assert from "node:assert/strict";
import type { RequestOptions } from "node:https";
import { loadKubeConfig } from "../../src/kube/client.ts";
import { loadOwnKubeConfig } from "../../src/kube/own_config.ts";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const b64 = (s: string) => btoa(s);

async function withKubeconfig(
  text: string,
  files: Record<string, string>,
  fn: (path: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, content] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, content);
    }
    await Deno.writeTextFile(`${dir}/config`, text);
    await fn(`${dir}/config`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** What either loader puts into one request. */
async function applied(credentials: {
  applyToHTTPSOptions(o: RequestOptions): Promise<void>;
}) {
  const options: RequestOptions = {};
  await credentials.applyToHTTPSOptions(options);
  const headers = options.headers as Record<string, string> | undefined;
  return {
    ca: String(options.ca ?? ""),
    cert: String(options.cert ?? ""),
    key: String(options.key ?? ""),
    authorization: headers?.Authorization ?? headers?.authorization,
  };
}

Deno.test("a YAML kubeconfig with a CA file and a token file reads as client-node reads it", async () => {
  const yaml = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: { server: "https://127.0.0.1:6443", certificate-authority: ca.crt }
users:
- name: u
  user: { tokenFile: token }
contexts:
- name: x
  context: { cluster: c, user: u, namespace: storage }
current-context: x
`;
  await withKubeconfig(yaml, { "ca.crt": CA, token: "tok-1\n" }, async (path) => {
    const own = await loadOwnKubeConfig({ KUBECONFIG: path });
    assert.ok(own);
    const theirs = loadKubeConfig({ kind: "file", path });
    assert.equal(own.namespace, "storage");
    assert.deepEqual(own.credentials.getCurrentCluster(), {
      server: theirs.getCurrentCluster()!.server,
      skipTLSVerify: false,
    });
    const mine = await applied(own.credentials);
    assert.deepEqual(mine, { ...mine, ca: CA, authorization: "Bearer tok-1" });
    // client-node does not read `tokenFile` (kubectl does): only the CA is compared.
    assert.equal((await applied(theirs)).ca, CA);
    // A rotated token file is read again.
    await Deno.writeTextFile(path.replace(/config$/, "token"), "tok-2\n");
    assert.equal((await applied(own.credentials)).authorization, "Bearer tok-2");
  });
});

Deno.test("a JSON kubeconfig with inline client certificate and CA data", async () => {
  const json = JSON.stringify({
    clusters: [{
      name: "c",
      cluster: { server: "https://[::1]:6443", "certificate-authority-data": b64(CA) },
    }],
    users: [{
      name: "u",
      user: { "client-certificate-data": b64("CERT"), "client-key-data": b64("KEY") },
    }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    "current-context": "x",
  });
  await withKubeconfig(json, {}, async (path) => {
    const own = await loadOwnKubeConfig({ KUBECONFIG: path });
    assert.ok(own);
    assert.equal(own.namespace, undefined);
    assert.deepEqual(await applied(own.credentials), {
      ca: CA,
      cert: "CERT",
      key: "KEY",
      authorization: undefined,
    });
  });
});

Deno.test("a bearer token reaches the request as client-node puts it there", async () => {
  const json = JSON.stringify({
    clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
    users: [{ name: "u", user: { token: "secret" } }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    "current-context": "x",
  });
  await withKubeconfig(json, {}, async (path) => {
    const own = await loadOwnKubeConfig({ KUBECONFIG: path });
    assert.ok(own);
    const theirs = await applied(loadKubeConfig({ kind: "file", path }));
    assert.equal((await applied(own.credentials)).authorization, theirs.authorization);
    assert.equal(theirs.authorization, "Bearer secret");
  });
});

Deno.test("exec plugins and merged kubeconfigs are left to client-node", async () => {
  const json = JSON.stringify({
    clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:6443" } }],
    users: [{ name: "u", user: { exec: { command: "get-token", apiVersion: "x" } } }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    "current-context": "x",
  });
  await withKubeconfig(json, {}, async (path) => {
    assert.equal(await loadOwnKubeConfig({ KUBECONFIG: path }), undefined);
    assert.equal(await loadOwnKubeConfig({ KUBECONFIG: `${path}:${path}` }), undefined);
  });
});

Deno.test("no kubeconfig and no pod is a clear error; a context without cluster too", async () => {
  await assert.rejects(loadOwnKubeConfig({}), /No Kubernetes credentials/);
  const json = JSON.stringify({
    clusters: [],
    users: [],
    contexts: [{ name: "x", context: { cluster: "gone", user: "u" } }],
    "current-context": "x",
  });
  await withKubeconfig(json, {}, async (path) => {
    await assert.rejects(loadOwnKubeConfig({ KUBECONFIG: path }), /has no cluster/);
  });
});
