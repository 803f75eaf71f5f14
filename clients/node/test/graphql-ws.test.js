// graphql-ws, the client under most WebSocket GraphQL libraries: resuming with `after`
// after the connection dropped, and a socket without a key refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CALL_EVENTS,
  FROM_START,
  LAST_KIND,
  collect,
  placeCall,
  storedEvents,
  wsClient,
} from "../callboard.js";

function subscribeWith(client, variables) {
  return (sink) => client.subscribe({ query: CALL_EVENTS, variables }, sink);
}

test("resuming with `after` after a dropped connection gets each event once, in order", async () => {
  const callId = await placeCall();
  const first = wsClient();
  let seen;
  let count = 0;
  try {
    seen = await collect(subscribeWith(first, { callId, after: FROM_START }), () => ++count === 2);
  } finally {
    // Dropped, not closed: no `complete`, the socket just goes (as a network failure
    // would), while the call goes on.
    first.terminate();
  }
  assert.equal(seen.length, 2);
  const second = wsClient();
  try {
    const rest = await collect(
      subscribeWith(second, { callId, after: seen.at(-1).id }),
      (event) => event.kind === LAST_KIND,
    );
    const stored = await storedEvents(callId);
    assert.deepEqual(
      [...seen, ...rest].map((event) => event.id),
      stored.map((event) => event.id),
    );
  } finally {
    await second.dispose();
  }
});

test("a socket without a client key is refused at connection_init", async () => {
  const client = wsClient({});
  try {
    const closed = await new Promise((resolve, reject) => {
      client.on("closed", resolve);
      client.subscribe(
        { query: CALL_EVENTS, variables: {} },
        { next: () => reject(new Error("an event reached an unauthenticated socket")), error: () => {}, complete: () => {} },
      );
    });
    assert.equal(closed.code, 4403);
  } finally {
    await client.dispose();
  }
});

test("a socket with a wrong key is refused too", async () => {
  const client = wsClient({ Authorization: "Bearer not-a-key-of-this-deployment" });
  try {
    const error = await new Promise((resolve) => {
      client.subscribe(
        { query: CALL_EVENTS, variables: {} },
        { next: () => {}, error: resolve, complete: () => resolve(new Error("completed")) },
      );
    });
    assert.equal(error.code, 4403, String(error));
  } finally {
    await client.dispose();
  }
});
