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

// GraphiQL 3 may hand the fetcher the document of the tab shown before (its AST is
// updated after a delay): the AST is used only when it is of the text being run, else
// the text's operations are read from the text itself.
function isSubscription(params, documentAST) {
  const ofThisText =
    documentAST && documentAST.loc && documentAST.loc.source.body === params.query;
  if (ofThisText) {
    const operations = documentAST.definitions.filter((d) => d.kind === "OperationDefinition");
    const operation = params.operationName
      ? operations.find((o) => o.name && o.name.value === params.operationName)
      : operations[0];
    return operation !== undefined && operation.operation === "subscription";
  }
  return operationTypeOfText(params.query || "", params.operationName) === "subscription";
}

// The type of the operation named `name` (or of the first one) in a document's text:
// strings and comments blanked out first, so that neither can look like an operation.
function operationTypeOfText(text, name) {
  const bare = text.replace(/"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*/g, " ");
  const operation = /(^|[\s}])(query|mutation|subscription)\b\s*([_A-Za-z][_0-9A-Za-z]*)?|(^|})\s*\{/g;
  let match;
  while ((match = operation.exec(bare)) !== null) {
    const type = match[2] || "query";
    if (!name || match[3] === name) {
      return type;
    }
  }
  return "query";
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
