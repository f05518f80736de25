/**
 * Test certificates and keys made with `openssl` (test infrastructure only, never product code).
 *
 * ECDSA P-256 everywhere: generating it is instant, and Go, etcd and Deno's rustls all accept it.
 * @module
 */

import { join } from "node:path";

/** Files of a test PKI, all inside one directory. */
export interface Pki {
  caCert: string;
  caKey: string;
  /** Serving certificate shared by apiserver, controller-manager and scheduler. */
  servingCert: string;
  servingKey: string;
  /** Service-account token signing key pair. */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

/** Subject alternative names of the serving certificate. */
export const SERVING_SANS = [
  "IP:127.0.0.1",
  "DNS:localhost",
  // First IP of --service-cluster-ip-range: only a name in the certificate, never contacted.
  "IP:10.0.0.1",
  "DNS:kubernetes",
  "DNS:kubernetes.default",
  "DNS:kubernetes.default.svc",
];

async function openssl(args: string[]): Promise<void> {
  const { code, stderr } = await new Deno.Command("openssl", {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`openssl ${args[0]} failed (${code}): ${new TextDecoder().decode(stderr)}`);
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/**
 * Creates a CA, a serving certificate signed by it and a service-account key pair in `dir`.
 *
 * @example
 * ```ts ignore
 * const pki = await createPki("/tmp/cluster/pki");
 * console.log(pki.caCert);
 * ```
 */
export async function createPki(dir: string): Promise<Pki> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const file = (name: string) => join(dir, name);
  const pki: Pki = {
    caCert: file("ca.crt"),
    caKey: file("ca.key"),
    servingCert: file("serving.crt"),
    servingKey: file("serving.key"),
    serviceAccountKey: file("sa.key"),
    serviceAccountPub: file("sa.pub"),
  };
  await openssl([
    "req",
    "-x509",
    ...EC,
    "-keyout",
    pki.caKey,
    "-out",
    pki.caCert,
    "-days",
    "3650",
    "-subj",
    "/CN=local-lvm-test-ca",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  const csr = file("serving.csr");
  await openssl([
    "req",
    "-new",
    ...EC,
    "-keyout",
    pki.servingKey,
    "-out",
    csr,
    "-subj",
    "/CN=kube",
  ]);
  const extensions = file("serving.ext");
  await Deno.writeTextFile(
    extensions,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=${SERVING_SANS.join(",")}`,
      "",
    ].join("\n"),
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    pki.caCert,
    "-CAkey",
    pki.caKey,
    "-CAcreateserial",
    "-out",
    pki.servingCert,
    "-days",
    "3650",
    "-extfile",
    extensions,
  ]);
  await openssl([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    pki.serviceAccountKey,
  ]);
  await openssl(["pkey", "-in", pki.serviceAccountKey, "-pubout", "-out", pki.serviceAccountPub]);
  return pki;
}
