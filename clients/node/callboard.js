// What every test file shares: where the rig's `callboard serve` is, the documents the
// tests send, and the clients built the way a frontend team builds them.
import { ApolloClient, HttpLink, InMemoryCache, split } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { getMainDefinition } from "@apollo/client/utilities";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the suite through tests/clients/rig.py (make test-clients)`);
  }
  return value;
}

export const URL = required("CALLBOARD_URL") + "/graphql";
export const WS_URL = URL.replace(/^http/, "ws");
export const KEY = required("CALLBOARD_KEY");
export const PROVIDER = required("CALLBOARD_PROVIDER");
export const AUTHORIZATION = `Bearer ${KEY}`;

// The cursor before the first event: `after: FROM_START` replays everything kept.
export const FROM_START = Buffer.from("CallEvent:0").toString("base64");

export const PROVIDERS = "query Providers { providers { id kind } }";

export const PLACE_CALL = `mutation PlaceCall($input: PlaceCallInput!) {
  placeCall(input: $input) {
    call { id status }
    userErrors { field code message }
  }
}`;

export const CALL_EVENTS = `subscription CallEvents($callId: ID, $after: ID) {
  callEvents(callId: $callId, after: $after) { id kind status call { id } }
}`;

export const CALL = `query Call($id: ID!) { call(id: $id) { id events { id kind } } }`;

// The last event of a call LiraX's simulator answers.
export const LAST_KIND = "RECORDING_READY";

/** A graphql-ws client as the graphql-ws README builds one for Node (`ws`). */
export function wsClient(connectionParams = { Authorization: AUTHORIZATION }, options = {}) {
  return createClient({ url: WS_URL, webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, ...options });
}

/** Apollo Client over HTTP only: queries, mutations, and subscriptions as multipart. */
export function httpApollo() {
  return new ApolloClient({
    link: new HttpLink({ uri: URL, headers: { authorization: AUTHORIZATION } }),
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: "no-cache" }, mutate: { fetchPolicy: "no-cache" } },
  });
}

/** Apollo Client with the split link of Apollo's docs: subscriptions over graphql-ws. */
export function splitApollo() {
  const ws = wsClient();
  const link = split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    new GraphQLWsLink(ws),
    new HttpLink({ uri: URL, headers: { authorization: AUTHORIZATION } }),
  );
  const client = new ApolloClient({
    link,
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: "no-cache" }, mutate: { fetchPolicy: "no-cache" } },
  });
  return { client, close: () => ws.dispose() };
}

/** A call placed through the simulated PBX; its id. */
export async function placeCall() {
  const response = await fetch(URL, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: AUTHORIZATION },
    body: JSON.stringify({
      query: PLACE_CALL,
      variables: { input: { provider: PROVIDER, agent: "101", to: "+7 912 345-67-89" } },
    }),
  });
  const body = await response.json();
  if (body.errors || body.data.placeCall.userErrors.length) {
    throw new Error(`placeCall failed: ${JSON.stringify(body)}`);
  }
  return body.data.placeCall.call.id;
}

/** The events the call log keeps for a call, in order, once it has them all. */
export async function storedEvents(callId) {
  for (let tries = 0; tries < 100; tries++) {
    const response = await fetch(URL, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: AUTHORIZATION },
      body: JSON.stringify({ query: CALL, variables: { id: callId } }),
    });
    const events = (await response.json()).data.call.events;
    if (events.some((event) => event.kind === LAST_KIND)) {
      return events;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`call ${callId} never reached ${LAST_KIND}`);
}

/** Events from an Observable-like `subscribe(observer)` until `done(event)`, or a timeout. */
export function collect(subscribe, done, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    const events = [];
    let stop = () => {};
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out after ${JSON.stringify(events)}`));
    }, timeoutMs);
    const finish = (error) => {
      clearTimeout(timer);
      stop();
      if (error) reject(error);
      else resolve(events);
    };
    stop = subscribe({
      next: (result) => {
        if (result.errors) {
          finish(new Error(JSON.stringify(result.errors)));
          return;
        }
        events.push(result.data.callEvents);
        if (done(result.data.callEvents)) finish();
      },
      error: (error) => finish(error instanceof Error ? error : new Error(JSON.stringify(error))),
      complete: () => finish(new Error(`completed after ${JSON.stringify(events)}`)),
    });
  });
}
