// Callboard's GraphiQL: the tour's operations as tabs, queries and mutations over HTTP,
// subscriptions over WebSocket (graphql-transport-ws), each with the header editor's
// headers: the client key goes as the Authorization header, or in connection_init.
"use strict";

const config = JSON.parse(document.getElementById("callboard-graphiql").textContent);
const endpoint = new URL(config.endpoint, window.location.href);
const socketUrl = new URL(endpoint);
socketUrl.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

// One WebSocket per set of headers: a key changed in the editor opens a connection with
// the new key instead of reusing one authenticated with the old.
const sockets = new Map();

function socketFor(headers) {
  const key = JSON.stringify(headers);
  let client = sockets.get(key);
  if (client === undefined) {
    client = graphqlWs.createClient({ url: socketUrl.href, connectionParams: headers, lazy: true });
    sockets.set(key, client);
  }
  return client;
}

function isSubscription(params, documentAST) {
  if (!documentAST) {
    return false;
  }
  const operations = documentAST.definitions.filter((d) => d.kind === "OperationDefinition");
  const operation = params.operationName
    ? operations.find((o) => o.name && o.name.value === params.operationName)
    : operations[0];
  return operation !== undefined && operation.operation === "subscription";
}

async function fetcher(params, options) {
  const headers = { ...(options && options.headers) };
  if (isSubscription(params, options && options.documentAST)) {
    return socketFor(headers).iterate(params);
  }
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json", ...headers },
    body: JSON.stringify(params),
  });
  return response.json();
}

const explorer = GraphiQLPluginExplorer.explorerPlugin();
ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultTabs: config.tabs.map((query) => ({ query })),
    defaultHeaders: config.headers,
    defaultEditorToolsVisibility: config.headers ? "headers" : true,
    isHeadersEditorEnabled: true,
    // The client key stays out of the browser's storage unless the user asks.
    shouldPersistHeaders: false,
    plugins: [explorer],
  }),
);
