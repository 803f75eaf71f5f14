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
# Their licenses (all MIT), beside them: the explorer plugin ships none of its own and
# comes from graphiql's repository, under graphiql's.
for package in graphiql react react-dom graphql-ws; do
  version=$(node -p "require('./node_modules/$package/package.json').version")
  printf '%s %s\n\n' "$package" "$version"
  cat node_modules/$package/LICENSE*
  printf '\n\n'
done > static/LICENSES.txt
touch static/.built
