// Apollo Client as a frontend team sets it up: HttpLink, and a split link sending
// subscriptions over graphql-ws; subscriptions over HttpLink alone come as multipart.
import assert from "node:assert/strict";
import { test } from "node:test";
import { gql } from "@apollo/client";
import {
  CALL_EVENTS,
  FROM_START,
  LAST_KIND,
  PLACE_CALL,
  PROVIDER,
  PROVIDERS,
  collect,
  httpApollo,
  placeCall,
  splitApollo,
  storedEvents,
} from "../callboard.js";

/** All of a call's events through `client.subscribe`, replayed from the start. */
function callEvents(client, callId) {
  return collect(
    (observer) => {
      const subscription = client
        .subscribe({ query: gql(CALL_EVENTS), variables: { callId, after: FROM_START } })
        .subscribe(observer);
      return () => subscription.unsubscribe();
    },
    (event) => event.kind === LAST_KIND,
  );
}

test("a query over HttpLink lists the configured provider", async () => {
  const { data } = await httpApollo().query({ query: gql(PROVIDERS) });
  assert.deepEqual(
    data.providers.map(({ id, kind }) => ({ id, kind })),
    [{ id: PROVIDER, kind: "LIRAX" }],
  );
});

test("a mutation's refusal comes back as userErrors, not as an error", async () => {
  const { data } = await httpApollo().mutate({
    mutation: gql(PLACE_CALL),
    variables: { input: { provider: PROVIDER, agent: "101", to: "12" } },
  });
  assert.equal(data.placeCall.call, null);
  assert.deepEqual(
    data.placeCall.userErrors.map(({ field, code }) => ({ field, code })),
    [{ field: "to", code: "BAD_INPUT" }],
  );
});

test("a subscription over the split link's GraphQLWsLink gets all of a call's events", async () => {
  const { client, close } = splitApollo();
  try {
    const callId = await placeCall();
    const events = await callEvents(client, callId);
    const stored = await storedEvents(callId);
    assert.deepEqual(
      events.map(({ id, kind }) => ({ id, kind })),
      stored.map(({ id, kind }) => ({ id, kind })),
    );
    assert.ok(events.every((event) => event.call.id === callId));
    assert.ok(events.some((event) => event.kind === "ANSWERED"), JSON.stringify(events));
  } finally {
    close();
  }
});

test("a subscription over HttpLink alone streams as multipart/mixed", async () => {
  const client = httpApollo();
  const callId = await placeCall();
  const events = await callEvents(client, callId);
  const stored = await storedEvents(callId);
  assert.deepEqual(
    events.map((event) => event.id),
    stored.map((event) => event.id),
  );
});
