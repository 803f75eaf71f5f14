// Apollo Client's persisted-queries link (automatic persisted queries) as its docs set it
// up, with Node's own SHA-256: the first request sends the hash alone, Callboard answers
// PersistedQueryNotFound, the link sends the document with its hash, and from then on
// the hash alone is enough; with useGETForHashedQueries the answer is an HTTP cache's to keep.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { AUTHORIZATION, PLACE_CALL, PROVIDER, URL } from "../callboard.js";

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

/** Apollo Client with the persisted-queries link before HttpLink; `sent` lists what
 * went over the wire: each request's method, whether it carried the document, and the
 * answer's Cache-Control. */
function persistedApollo(options = {}) {
  const sent = [];
  const recording = async (uri, init) => {
    const response = await fetch(uri, init);
    const body = init.method === "GET" ? null : JSON.parse(init.body);
    sent.push({
      method: init.method,
      withQuery: init.method === "GET" ? new globalThis.URL(uri).searchParams.has("query") : "query" in body,
      cacheControl: response.headers.get("cache-control"),
    });
    return response;
  };
  const client = new ApolloClient({
    link: new PersistedQueryLink({ sha256, ...options }).concat(
      new HttpLink({ uri: URL, headers: { authorization: AUTHORIZATION }, fetch: recording }),
    ),
    cache: new InMemoryCache(),
    defaultOptions: { query: { fetchPolicy: "no-cache" }, mutate: { fetchPolicy: "no-cache" } },
  });
  return { client, sent };
}

// Each test its own document: the server keeps what an earlier test registered.
const providers = (name) => gql(`query ${name} { providers { id kind } }`);

test("the first query registers its document after PersistedQueryNotFound, the next sends the hash alone", async () => {
  const first = persistedApollo();
  const { data } = await first.client.query({ query: providers("FirstSeen") });
  assert.deepEqual(
    data.providers.map(({ id, kind }) => ({ id, kind })),
    [{ id: PROVIDER, kind: "LIRAX" }],
  );
  assert.deepEqual(
    first.sent.map(({ withQuery }) => withQuery),
    [false, true],
  );
  const second = persistedApollo();
  const again = await second.client.query({ query: providers("FirstSeen") });
  assert.deepEqual(again.data, data);
  assert.deepEqual(
    second.sent.map(({ withQuery }) => withQuery),
    [false],
  );
});

test("a hashed query over GET is answered with Cache-Control an HTTP cache can keep", async () => {
  const { client, sent } = persistedApollo({ useGETForHashedQueries: true });
  const query = providers("OverGet");
  await client.query({ query });
  await client.query({ query });
  const last = sent.at(-1);
  assert.equal(last.method, "GET");
  assert.equal(last.withQuery, false);
  assert.match(last.cacheControl, /^private, max-age=\d+$/);
  // The not-found answer that started it must not be kept.
  assert.equal(sent[0].cacheControl, "no-store");
});

test("a mutation goes by POST even with useGETForHashedQueries, and is never cached", async () => {
  const { client, sent } = persistedApollo({ useGETForHashedQueries: true });
  const { data } = await client.mutate({
    mutation: gql(PLACE_CALL),
    variables: { input: { provider: PROVIDER, agent: "101", to: "+7 912 345-67-89" } },
  });
  assert.deepEqual(data.placeCall.userErrors, []);
  assert.ok(data.placeCall.call.id);
  assert.ok(sent.every(({ method }) => method === "POST"));
  assert.ok(sent.every(({ cacheControl }) => cacheControl === null));
});
