// Subscriptions over HTTP for clients without a WebSocket: GraphQL over SSE (the
// graphql-sse client, distinct connections mode); without a stream asked for, a clear
// BAD_REQUEST saying how to subscribe.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "graphql-sse";
import {
  AUTHORIZATION,
  CALL_EVENTS,
  FROM_START,
  LAST_KIND,
  URL,
  collect,
  placeCall,
  storedEvents,
} from "../callboard.js";

test("graphql-sse gets all of a call's events", async () => {
  const client = createClient({ url: URL, headers: { authorization: AUTHORIZATION }, retryAttempts: 0 });
  try {
    const callId = await placeCall();
    const events = await collect(
      (sink) => client.subscribe({ query: CALL_EVENTS, variables: { callId, after: FROM_START } }, sink),
      (event) => event.kind === LAST_KIND,
    );
    const stored = await storedEvents(callId);
    assert.deepEqual(
      events.map((event) => event.id),
      stored.map((event) => event.id),
    );
  } finally {
    client.dispose();
  }
});

test("a subscription POSTed for one JSON answer is a BAD_REQUEST naming WebSocket", async () => {
  const response = await fetch(URL, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: AUTHORIZATION },
    body: JSON.stringify({ query: CALL_EVENTS, variables: {} }),
  });
  assert.equal(response.status, 400);
  const [error] = (await response.json()).errors;
  assert.equal(error.extensions.code, "BAD_REQUEST");
  assert.match(error.message, /WebSocket/);
});
