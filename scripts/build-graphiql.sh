#!/bin/sh
# GraphiQL's browser files into callboard/graphiql/static/, from the npm packages pinned in
# callboard/graphiql/package-lock.json (`make graphiql`, the Dockerfile). Needs npm.
set -e
cd "$(dirname "$0")/../callboard/graphiql"
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
rm -rf static
mkdir static
# The names callboard/graphiql/page.py's ASSETS lists.
cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css \
   node_modules/react/umd/react.production.min.js \
   node_modules/react-dom/umd/react-dom.production.min.js \
   node_modules/graphql-ws/umd/graphql-ws.min.js static/
cp node_modules/@graphiql/plugin-explorer/dist/index.umd.js static/plugin-explorer.umd.js
cp node_modules/@graphiql/plugin-explorer/dist/style.css static/plugin-explorer.css
touch static/.built
