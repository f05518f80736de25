/**
 * API errors: one error class for every non-2xx answer, and predicates that also understand
 * client-node's `ApiException` (thrown by the typed APIs in {@link KubeClients}).
 *
 * @module
 */

import { requestInfo } from "./api_path.ts";
import type { StatusObject } from "./objects.ts";

function forbiddenMessage(method: string, path: string, serverMessage: string): string {
  const info = requestInfo(method, path);
  const scope = info.namespace ? ` in namespace "${info.namespace}"` : "";
  return `Forbidden: not allowed to ${info.verb} ${info.resource} in API group "${info.group}"` +
    `${scope} (${method} ${path}); the RBAC rules of this ServiceAccount lack it: ${serverMessage}`;
}

/** A non-2xx answer of the API server, with the `Status` it sent. */
export class KubeApiError extends Error {
  /**
   * @param method HTTP method of the request.
   * @param path Path (and query) of the request.
   * @param status HTTP status code, or the `code` of a watch `ERROR` event.
   * @param reason The Status `reason` (`NotFound`, `AlreadyExists`, `Conflict`, `Expired`...).
   * @param serverMessage The Status `message`.
   */
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly reason: string,
    readonly serverMessage: string,
    readonly details?: StatusObject["details"],
  ) {
    super(
      status === 403
        ? forbiddenMessage(method, path, serverMessage)
        : `${method} ${path} failed: ${status} ${reason || "(no reason)"}: ${serverMessage}`,
    );
    this.name = "KubeApiError";
  }

  /**
   * Builds the error from a Status object (a response body or a watch `ERROR` event).
   *
   * @example
   * ```ts
   * import { KubeApiError } from "./errors.ts";
   * const status = { code: 410, reason: "Expired", message: "too old resource version" };
   * const error = KubeApiError.fromStatus("GET", "/api/v1/nodes?watch=true", 410, status);
   * if (error.reason !== "Expired") throw new Error();
   * ```
   */
  static fromStatus(
    method: string,
    path: string,
    httpStatus: number,
    status: StatusObject | undefined,
  ): KubeApiError {
    return new KubeApiError(
      method,
      path,
      status?.code ?? httpStatus,
      status?.reason ?? "",
      status?.message ?? "",
      status?.details,
    );
  }
}

function parseStatus(body: unknown): StatusObject | undefined {
  if (typeof body === "string") {
    try {
      return JSON.parse(body) as StatusObject;
    } catch {
      return { message: body };
    }
  }
  if (body && typeof body === "object") return body as StatusObject;
  return undefined;
}

/**
 * Converts what the API layer threw into a {@link KubeApiError}, or undefined when it is not an
 * API answer at all (a network error, say). `method` and `path` name the request in the message.
 *
 * @example
 * ```ts
 * import { ApiException } from "@kubernetes/client-node";
 * import { toKubeApiError } from "./errors.ts";
 * const body = JSON.stringify({ reason: "NotFound", message: "nope", code: 404 });
 * const error = toKubeApiError(new ApiException(404, "x", body, {}), "GET", "/api/v1/nodes/n");
 * if (error?.reason !== "NotFound") throw new Error();
 * ```
 */
export function toKubeApiError(
  error: unknown,
  method = "?",
  path = "?",
): KubeApiError | undefined {
  if (error instanceof KubeApiError) return error;
  if (isApiException(error)) {
    return KubeApiError.fromStatus(method, path, error.code, parseStatus(error.body));
  }
  return undefined;
}

/**
 * client-node's `ApiException`, recognised by its shape: importing the class would load all of
 * client-node into the agent, which does not otherwise need it (see own_config.ts).
 */
function isApiException(error: unknown): error is { code: number; body: unknown } {
  return error instanceof Error && error.name !== "KubeApiError" &&
    typeof (error as { code?: unknown }).code === "number" && "body" in error &&
    "headers" in error;
}

function statusIs(error: unknown, code: number): boolean {
  return toKubeApiError(error)?.status === code;
}

/** 404: the object (or its namespace) does not exist. */
export function isNotFound(error: unknown): boolean {
  return statusIs(error, 404);
}

/** 409 with reason `AlreadyExists`: a create found the name taken. */
export function isAlreadyExists(error: unknown): boolean {
  const api = toKubeApiError(error);
  return api?.status === 409 && api.reason === "AlreadyExists";
}

/** 409 other than `AlreadyExists`: a resourceVersion precondition failed. */
export function isConflict(error: unknown): boolean {
  const api = toKubeApiError(error);
  return api?.status === 409 && api.reason !== "AlreadyExists";
}

/** 410: the resourceVersion is too old (compacted); a reflector must relist. */
export function isGone(error: unknown): boolean {
  return statusIs(error, 410);
}

/** 403: RBAC refused the request; the error message names the verb and resource. */
export function isForbidden(error: unknown): boolean {
  return statusIs(error, 403);
}

/** 422: the object (or a JSON patch `test` operation) was rejected as invalid. */
export function isInvalid(error: unknown): boolean {
  return statusIs(error, 422);
}
