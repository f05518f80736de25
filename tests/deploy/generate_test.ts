/**
 * deploy/generate.ts on small inputs: the namespace is applied as kustomize applies it, and
 * anything the generator does not implement is refused instead of silently dropped.
 */

import assert from "node:assert/strict";
import { parseDocument } from "yaml";
import { applyNamespace, parseKustomization, parseManifests } from "../../deploy/generate.ts";

const NS = "target-ns";

const applyCases: { name: string; input: string; expected: unknown }[] = [
  {
    name: "a Namespace is renamed",
    input: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n",
    expected: { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } },
  },
  {
    name: "a namespaced object without a namespace gets one",
    input: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
    expected: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: NS } },
  },
  {
    name: "a namespaced object's namespace is replaced",
    input: "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  namespace: old\n",
    expected: { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: NS } },
  },
  {
    name: "a cluster-scoped object is left alone",
    input: "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: sc\n" +
      "provisioner: p\n",
    expected: {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { name: "sc" },
      provisioner: "p",
    },
  },
  {
    name: "binding subjects named default get the namespace, others keep theirs",
    input: "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n" +
      "metadata:\n  name: b\nsubjects:\n  - kind: ServiceAccount\n    name: default\n" +
      "  - kind: ServiceAccount\n    name: sa\n    namespace: elsewhere\n",
    expected: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "b" },
      subjects: [
        { kind: "ServiceAccount", name: "default", namespace: NS },
        { kind: "ServiceAccount", name: "sa", namespace: "elsewhere" },
      ],
    },
  },
];

for (const { name, input, expected } of applyCases) {
  Deno.test(`applyNamespace: ${name}`, () => {
    const doc = parseDocument(input);
    applyNamespace(doc, NS, "test");
    assert.deepEqual(doc.toJS(), expected);
  });
}

Deno.test("applyNamespace refuses a kind whose scope it does not know", () => {
  const doc = parseDocument("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n");
  assert.throws(() => applyNamespace(doc, NS, "w.yaml"), /w\.yaml: kind Widget is not known/);
});

const kustomizationCases: { name: string; text: string; error?: RegExp }[] = [
  { name: "resources and namespace", text: "namespace: n\nresources:\n  - a.yaml\n" },
  { name: "patches are not implemented", text: "resources: []\npatches: []\n", error: /patches/ },
  {
    name: "images are not implemented",
    text: "resources: []\nimages:\n  - name: x\n",
    error: /images/,
  },
  { name: "resources must be a list", text: "resources: a.yaml\n", error: /list of file/ },
  {
    name: "the namespace must be a string",
    text: "namespace: [a]\nresources: []\n",
    error: /string/,
  },
  { name: "a list is not a kustomization", text: "- a\n", error: /mapping/ },
];

for (const { name, text, error } of kustomizationCases) {
  Deno.test(`parseKustomization: ${name}`, () => {
    if (error) assert.throws(() => parseKustomization(text), error);
    else assert.deepEqual(parseKustomization(text), { namespace: "n", resources: ["a.yaml"] });
  });
}

Deno.test("parseManifests names the file on a YAML error and skips empty documents", () => {
  assert.throws(() => parseManifests("a: [1\n", "bad.yaml"), /^Error: bad\.yaml: /);
  assert.throws(() => parseManifests("a: 1\na: 2\n", "dup.yaml"), /dup\.yaml: .*unique/i);
  assert.equal(parseManifests("---\n# only a comment\n---\na: 1\n", "x.yaml").length, 1);
});
