"""GraphiQL served by Callboard itself, no CDN: the page (page.py), the tour as its tabs
(tour.py), and GraphiQL's browser files in static/, which `make graphiql` copies from the
npm packages pinned in package-lock.json."""

from callboard.graphiql.page import ASSETS_PATH, graphiql_assets, graphiql_page

__all__ = ["ASSETS_PATH", "graphiql_assets", "graphiql_page"]
