/** The test PKI: openssl accepts the chain and SANs, and Deno's TLS stack trusts it. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { createPki } from "./pki.ts";

const netAllowed = (await Deno.permissions.query({ name: "net", host: "127.0.0.1" })).state ===
  "granted";

async function openssl(args: string[]): Promise<{ ok: boolean; out: string }> {
  const { code, stdout, stderr } = await new Deno.Command("openssl", { args }).output();
  const decoder = new TextDecoder();
  return { ok: code === 0, out: decoder.decode(stdout) + decoder.decode(stderr) };
}

Deno.test("pki: serving certificate chains to the CA and names exactly the loopback endpoints", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "local-lvm-pki-" });
  try {
    const pki = await createPki(join(dir, "pki"));
    const verify = await openssl(["verify", "-CAfile", pki.caCert, pki.servingCert]);
    assert.ok(verify.ok, verify.out);

    const cases: { flag: string; name: string; matches: boolean }[] = [
      { flag: "-checkip", name: "127.0.0.1", matches: true },
      { flag: "-checkhost", name: "localhost", matches: true },
      { flag: "-checkip", name: "10.0.0.1", matches: true },
      { flag: "-checkhost", name: "kubernetes.default.svc", matches: true },
      { flag: "-checkip", name: "127.0.0.2", matches: false },
      { flag: "-checkhost", name: "example.com", matches: false },
    ];
    for (const { flag, name, matches } of cases) {
      await t.step(`${name} ${matches ? "matches" : "does not match"}`, async () => {
        const { out } = await openssl(["x509", "-in", pki.servingCert, "-noout", flag, name]);
        assert.equal(out.includes("does match certificate"), matches, out);
      });
    }

    const saPub = await openssl(["pkey", "-pubin", "-in", pki.serviceAccountPub, "-noout"]);
    assert.ok(saPub.ok, saPub.out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "pki: a TLS client with only the test CA completes a handshake with the serving cert",
  ignore: !netAllowed,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "local-lvm-pki-" });
    const pki = await createPki(join(dir, "pki"));
    const listener = Deno.listenTls({
      hostname: "127.0.0.1",
      port: 0,
      cert: await Deno.readTextFile(pki.servingCert),
      key: await Deno.readTextFile(pki.servingKey),
    });
    try {
      const accepted = listener.accept();
      const client = await Deno.connectTls({
        hostname: "127.0.0.1",
        port: listener.addr.port,
        caCerts: [await Deno.readTextFile(pki.caCert)],
      });
      const server = await accepted;
      await Promise.all([client.handshake(), server.handshake()]);
      client.close();
      server.close();
    } finally {
      listener.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
