import assert from "node:assert/strict";
import { ApiException } from "@kubernetes/client-node";
import {
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  KubeApiError,
  toKubeApiError,
} from "../../src/kube/errors.ts";

const predicates = { isNotFound, isAlreadyExists, isConflict, isGone, isForbidden, isInvalid };
type Predicate = keyof typeof predicates;

function apiError(status: number, reason: string) {
  return new KubeApiError("GET", "/api/v1/persistentvolumes/x", status, reason, "message");
}

function apiException(status: number, reason: string) {
  const body = JSON.stringify({ kind: "Status", code: status, reason, message: "message" });
  return new ApiException(status, "Unknown API Status Code!", body, {});
}

Deno.test("error predicates classify API errors from both client layers", () => {
  const cases: { status: number; reason: string; holds: Predicate[] }[] = [
    { status: 404, reason: "NotFound", holds: ["isNotFound"] },
    { status: 409, reason: "AlreadyExists", holds: ["isAlreadyExists"] },
    { status: 409, reason: "Conflict", holds: ["isConflict"] },
    { status: 410, reason: "Expired", holds: ["isGone"] },
    { status: 410, reason: "Gone", holds: ["isGone"] },
    { status: 403, reason: "Forbidden", holds: ["isForbidden"] },
    { status: 422, reason: "Invalid", holds: ["isInvalid"] },
    { status: 500, reason: "InternalError", holds: [] },
  ];
  for (const { status, reason, holds } of cases) {
    for (const error of [apiError(status, reason), apiException(status, reason)]) {
      for (const [name, predicate] of Object.entries(predicates)) {
        const expected = holds.includes(name as Predicate);
        assert.equal(predicate(error), expected, `${name} of ${status} ${reason}`);
      }
    }
  }
});

Deno.test("predicates are false for errors that are not API answers", () => {
  for (const error of [new Error("ECONNREFUSED"), undefined, "404", { status: 404 }]) {
    for (const [name, predicate] of Object.entries(predicates)) {
      assert.equal(predicate(error), false, name);
    }
  }
});

Deno.test("a forbidden error says which verb on which resource RBAC refused", () => {
  const server = 'persistentvolumes "pv-1" is forbidden: User "system:serviceaccount:x:y" ' +
    'cannot patch resource "persistentvolumes" in API group "" at the cluster scope';
  const error = new KubeApiError(
    "PATCH",
    "/api/v1/persistentvolumes/pv-1",
    403,
    "Forbidden",
    server,
  );
  assert.match(error.message, /not allowed to patch persistentvolumes in API group ""/);
  assert.match(error.message, /RBAC/);
  assert.ok(error.message.endsWith(server));
  const namespaced = new KubeApiError(
    "POST",
    "/apis/events.k8s.io/v1/namespaces/team-a/events",
    403,
    "Forbidden",
    "no",
  );
  assert.match(
    namespaced.message,
    /create events in API group "events.k8s.io" in namespace "team-a"/,
  );
});

Deno.test("toKubeApiError keeps the Status of a client-node ApiException", () => {
  const converted = toKubeApiError(apiException(409, "AlreadyExists"), "POST", "/api/v1/nodes");
  assert.ok(converted instanceof KubeApiError);
  assert.equal(converted.status, 409);
  assert.equal(converted.reason, "AlreadyExists");
  assert.equal(converted.serverMessage, "message");
  assert.match(converted.message, /^POST \/api\/v1\/nodes failed: 409 AlreadyExists: message$/);
  // A body that is not JSON still gives a usable error.
  const text = toKubeApiError(new ApiException(502, "x", "<html>bad gateway</html>", {}));
  assert.equal(text?.status, 502);
  assert.equal(text?.serverMessage, "<html>bad gateway</html>");
});
