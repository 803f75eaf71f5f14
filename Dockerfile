# Callboard: `docker build -t callboard .` then
# `docker run -p 8000:8000 -v $PWD/callboard.toml:/etc/callboard.toml callboard`

# GraphiQL's browser files (scripts/build-graphiql.sh), built in a stage of their own so
# that Node.js stays out of the image.
FROM python:3.11-slim AS graphiql
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/build-graphiql.sh scripts/
COPY callboard/graphiql/package.json callboard/graphiql/package-lock.json callboard/graphiql/
RUN scripts/build-graphiql.sh

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY callboard ./callboard
COPY --from=graphiql /src/callboard/graphiql/static ./callboard/graphiql/static
RUN pip install . && useradd --create-home --uid 10001 callboard

# The SQLite file lives here; mount a volume to keep it.
WORKDIR /data
RUN chown callboard /data
USER callboard

ENV CALLBOARD_CONFIG=/etc/callboard.toml
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["callboard", "serve"]
