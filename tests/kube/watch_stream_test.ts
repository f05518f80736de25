/** The watch and list protocol against a fake server: chunking, timeouts, errors, pagination. */

import assert from "node:assert/strict";
import { PERSISTENT_VOLUME_CLAIMS, PERSISTENT_VOLUMES } from "../../src/kube/api_path.ts";
import { isGone, KubeApiError } from "../../src/kube/errors.ts";
import { apiListWatch } from "../../src/kube/list_watch.ts";
import type { WatchEvent } from "../../src/kube/objects.ts";
import { WatchIdleError, WatchProtocolError } from "../../src/kube/watch_stream.ts";
import { controlledStream, startFakeApiServer } from "./fake_api_server.ts";

const pv = (name: string, rv: string) => ({
  kind: "PersistentVolume",
  apiVersion: "v1",
  metadata: { name, resourceVersion: rv },
});

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function collect(events: AsyncIterable<WatchEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const event of events) {
    seen.push(event.type === "ERROR" ? "ERROR" : `${event.type} ${event.object.metadata.name}`);
  }
  return seen;
}

Deno.test("events split across chunks or packed in one are all delivered", async () => {
  const lines = [
    JSON.stringify({ type: "ADDED", object: pv("a", "2") }),
    JSON.stringify({ type: "MODIFIED", object: pv("a", "3") }),
    JSON.stringify({ type: "DELETED", object: pv("b", "4") }),
  ].join("\n") + "\n";
  const chunkings = [[lines], lines.split(""), [
    lines.slice(0, 7),
    lines.slice(7, 90),
    lines.slice(90),
  ]];
  for (const chunks of chunkings) {
    const stream = controlledStream();
    const server = startFakeApiServer(() => stream.response());
    try {
      const listWatch = apiListWatch(server.http, PERSISTENT_VOLUMES, {
        labelSelector: "app=x",
        minWatchTimeoutSeconds: 100,
      });
      const seen = collect(listWatch.watch("1", new AbortController().signal));
      for (const chunk of chunks) stream.write(chunk);
      stream.close();
      assert.deepEqual(await seen, ["ADDED a", "MODIFIED a", "DELETED b"]);
      const query = server.requests[0].searchParams;
      assert.equal(server.requests[0].pathname, "/api/v1/persistentvolumes");
      assert.equal(query.get("watch"), "true");
      assert.equal(query.get("resourceVersion"), "1");
      assert.equal(query.get("allowWatchBookmarks"), "true");
      assert.equal(query.get("labelSelector"), "app=x");
      const timeout = Number(query.get("timeoutSeconds"));
      assert.ok(timeout >= 100 && timeout < 200, `timeoutSeconds ${timeout}`);
    } finally {
      await server.close();
    }
  }
});

Deno.test("a silent watch fails with WatchIdleError and releases the connection", async () => {
  const stream = controlledStream();
  const server = startFakeApiServer(() => stream.response());
  try {
    const listWatch = apiListWatch(server.http, PERSISTENT_VOLUMES, { idleTimeoutMs: 300 });
    const seen: string[] = [];
    const started = Date.now();
    const result = (async () => {
      for await (const event of listWatch.watch("1", new AbortController().signal)) {
        seen.push(event.type);
      }
    })();
    stream.write(JSON.stringify({ type: "BOOKMARK", object: pv("", "5") }) + "\n");
    await assert.rejects(result, WatchIdleError);
    assert.deepEqual(seen, ["BOOKMARK"]);
    assert.ok(Date.now() - started >= 300);
    await until(() => stream.cancelled, "the server to see the connection closed");
  } finally {
    await server.close();
  }
});

Deno.test("an error status answer throws KubeApiError; a garbage line a protocol error", async () => {
  const cases: { respond: () => Response; check: (error: unknown) => void }[] = [
    {
      respond: () =>
        Response.json({ kind: "Status", code: 410, reason: "Expired", message: "too old" }, {
          status: 410,
        }),
      check: (error) => assert.ok(isGone(error)),
    },
    {
      respond: () =>
        Response.json({ kind: "Status", code: 403, reason: "Forbidden", message: "no" }, {
          status: 403,
        }),
      check: (error) => {
        assert.ok(error instanceof KubeApiError);
        assert.match(error.message, /not allowed to watch persistentvolumeclaims/);
      },
    },
    {
      respond: () => new Response("<html>proxy error</html>\n"),
      check: (error) => assert.ok(error instanceof WatchProtocolError),
    },
  ];
  for (const { respond, check } of cases) {
    const server = startFakeApiServer(respond);
    try {
      const listWatch = apiListWatch(server.http, PERSISTENT_VOLUME_CLAIMS);
      const error = await collect(listWatch.watch("1", new AbortController().signal)).then(
        () => undefined,
        (e) => e,
      );
      check(error);
    } finally {
      await server.close();
    }
  }
});

Deno.test("aborting the signal ends the watch quietly and closes the stream", async () => {
  const stream = controlledStream();
  const server = startFakeApiServer(() => stream.response());
  try {
    const controller = new AbortController();
    const listWatch = apiListWatch(server.http, PERSISTENT_VOLUMES);
    const seen = collect(listWatch.watch("1", controller.signal));
    stream.write(JSON.stringify({ type: "ADDED", object: pv("a", "2") }) + "\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    assert.deepEqual(await seen, ["ADDED a"]);
    await until(() => stream.cancelled, "the server to see the connection closed");
  } finally {
    await server.close();
  }
});

Deno.test("list follows continue tokens and gives items apiVersion and kind", async () => {
  const pages: Record<string, unknown> = {
    "": {
      metadata: { resourceVersion: "7", continue: "p2" },
      items: [{ metadata: { name: "a" } }],
    },
    p2: {
      metadata: { resourceVersion: "7", continue: "p3" },
      items: [{ metadata: { name: "b" } }],
    },
    p3: { metadata: { resourceVersion: "7" }, items: [{ metadata: { name: "c" } }] },
  };
  const server = startFakeApiServer((_request, url) => {
    return Response.json(pages[url.searchParams.get("continue") ?? ""]);
  });
  try {
    const listWatch = apiListWatch(server.http, PERSISTENT_VOLUME_CLAIMS, {
      pageSize: 1,
      fieldSelector: "metadata.name!=x",
    });
    const { items, resourceVersion } = await listWatch.list(new AbortController().signal);
    assert.equal(resourceVersion, "7");
    assert.deepEqual(
      items,
      ["a", "b", "c"].map((name) => ({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name },
      })),
    );
    assert.deepEqual(server.requests.map((u) => u.searchParams.get("limit")), ["1", "1", "1"]);
    assert.ok(
      server.requests.every((u) => u.searchParams.get("fieldSelector") === "metadata.name!=x"),
    );
    assert.equal(server.requests[0].pathname, "/api/v1/persistentvolumeclaims");
  } finally {
    await server.close();
  }
});

Deno.test("a request the server never answers times out", async () => {
  const never = Promise.withResolvers<Response>();
  const server = startFakeApiServer(() => never.promise, 200);
  try {
    await assert.rejects(server.http.request("GET", "/api/v1/nodes"), /timed out after 200 ms/);
  } finally {
    never.resolve(new Response("late"));
    await server.close();
  }
});

Deno.test("a connection dropped mid-watch fails the watch at once", async () => {
  const stream = controlledStream();
  const server = startFakeApiServer(() => stream.response());
  try {
    const listWatch = apiListWatch(server.http, PERSISTENT_VOLUMES, { idleTimeoutMs: 60_000 });
    const seen: string[] = [];
    const result = (async () => {
      for await (const event of listWatch.watch("1", new AbortController().signal)) {
        seen.push(event.type);
      }
    })();
    stream.write(JSON.stringify({ type: "ADDED", object: pv("a", "2") }) + "\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    stream.fail();
    await assert.rejects(result);
    assert.ok(Date.now() - started < 5_000, "the broken connection went unnoticed");
    assert.deepEqual(seen, ["ADDED"]);
  } finally {
    await server.close();
  }
});

Deno.test("requests carry the kubeconfig's bearer token", async () => {
  const server = startFakeApiServer((request) => {
    return Response.json({ authorization: request.headers.get("authorization") });
  });
  try {
    const body = await server.http.request<{ authorization: string }>("GET", "/api/v1/nodes/x");
    assert.equal(body.authorization, "Bearer fake-token");
  } finally {
    await server.close();
  }
});
