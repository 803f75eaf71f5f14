// graphql-yoga serving Callboard's schema from a fixture held in memory: the peer that
// bench/bench_vs_yoga.py measures Callboard against (the same documents, the same answers).
// Run: node server.mjs SCHEMA.graphql FIXTURE.json PORT
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';

const [schemaPath, fixturePath, port] = process.argv.slice(2);
const typeDefs = readFileSync(schemaPath, 'utf8');
// The `data` of the bench's fixture query: { providers, calls: { edges, pageInfo } }.
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8'));
const callsById = new Map(fixture.calls.edges.map((edge) => [edge.node.id, edge.node]));

// A page is the fixture's first N edges, its pageInfo made as Callboard makes it; built
// once per N, as a store would hand it over.
const pages = new Map();
function page(first) {
  if (!pages.has(first)) {
    const edges = fixture.calls.edges.slice(0, first);
    pages.set(first, {
      edges,
      nodes: edges.map((edge) => edge.node),
      pageInfo: {
        hasNextPage: edges.length < fixture.calls.edges.length || fixture.calls.pageInfo.hasNextPage,
        hasPreviousPage: false,
        startCursor: edges.length ? edges[0].cursor : null,
        endCursor: edges.length ? edges[edges.length - 1].cursor : null,
      },
    });
  }
  return pages.get(first);
}

// Everything below the roots is yoga's default resolver: a property of the fixture's
// objects. Custom scalars (DateTime, JSON) without resolvers pass values through.
const resolvers = {
  Query: {
    providers: () => fixture.providers,
    calls: (_, { first }) => page(first ?? 20),
    call: (_, { id }) => callsById.get(id) ?? null,
  },
};

// Yoga's production defaults (masked errors, no per-request logging), without GraphiQL.
const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers }),
  graphiql: false,
  landingPage: false,
});

createServer(yoga).listen(Number(port), '127.0.0.1');
