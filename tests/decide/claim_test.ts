import assert from "node:assert/strict";
import { claimAnnotation, claimClassName, type ClaimObject } from "../../src/decide/claim.ts";

const BETA_CLASS = "volume.beta.kubernetes.io/storage-class";

Deno.test("claimClassName prefers the beta annotation, as Kubernetes does", () => {
  const cases: [ClaimObject, string | undefined][] = [
    [{}, undefined],
    [{ spec: {} }, undefined],
    [{ spec: { storageClassName: null } }, undefined],
    [{ spec: { storageClassName: "" } }, undefined],
    [{ spec: { storageClassName: "a" } }, "a"],
    [{ metadata: { annotations: { [BETA_CLASS]: "b" } }, spec: { storageClassName: "a" } }, "b"],
    [
      { metadata: { annotations: { [BETA_CLASS]: "" } }, spec: { storageClassName: "a" } },
      undefined,
    ],
    [{ metadata: { annotations: null }, spec: { storageClassName: "a" } }, "a"],
  ];
  for (const [claim, name] of cases) {
    assert.equal(claimClassName(claim), name, JSON.stringify(claim));
  }
});

Deno.test("claimAnnotation reads one annotation", () => {
  assert.equal(claimAnnotation({ metadata: { annotations: { k: "v" } } }, "k"), "v");
  assert.equal(claimAnnotation({ metadata: { annotations: { k: "v" } } }, "x"), undefined);
  assert.equal(claimAnnotation({ metadata: { annotations: null } }, "k"), undefined);
  assert.equal(claimAnnotation({ metadata: {} }, "k"), undefined);
  assert.equal(claimAnnotation({}, "k"), undefined);
});
