# syntax=docker/dockerfile:1
# drillbot: one image for every platform; the environment picks Slack, Discord or the console.
#
# Two stages. `build` installs the dependencies from uv.lock (the versions `make` and CI use)
# into /opt/venv and builds drillbot's wheel (content/ and migrations/ inside the package, see
# setup.py), then installs that wheel, not an editable checkout. `runtime` is a clean copy of
# the same base image with /opt/venv alone: no compiler, no uv, no pip or uv cache, no sources.
# Both stages must use the same base image: the venv links to its Python.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm
ARG UV_VERSION=0.13.9

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_NO_CACHE=1 UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
WORKDIR /src
# The dependencies first, from the lock alone: this layer stays cached until uv.lock changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-install-project --no-editable --python /usr/local/bin/python3
COPY setup.py README.md ./
COPY bot ./bot
COPY content ./content
COPY migrations ./migrations
# Then the wheel, checked: its packs load, and time zones resolve from the locked `tzdata`
# wheel alone (an empty PYTHONTZPATH hides the system's zone files).
RUN uv build --wheel --out-dir /dist \
    && uv pip install --python /opt/venv/bin/python --no-deps /dist/*.whl \
    && /opt/venv/bin/drillbot content check >/dev/null \
    && PYTHONTZPATH='' /opt/venv/bin/python -c "import zoneinfo; zoneinfo.ZoneInfo('Europe/Berlin')"

FROM ${PYTHON_IMAGE} AS runtime
# Time zones come with the venv: the locked `tzdata` wheel, which zoneinfo falls back to.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/drillbot drillbot \
    && mkdir /data && chown drillbot:drillbot /data
COPY --from=build /opt/venv /opt/venv
# Two malloc arenas, not 8 per core: each SQLite connection runs in a thread of its own, and
# with an arena per thread the free memory of every busy moment stays resident, so RSS crept up
# by the week (issue 14, bench/soak_bench.py). The process sets the same cap itself
# (bot/memory.py); here it holds from the first thread on, for every command the image runs.
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DRILLBOT_DATA_DIR=/data PORT=3000 MALLOC_ARENA_MAX=2
USER 10001:10001
WORKDIR /home/drillbot

EXPOSE 3000
# /healthz answers on $PORT in every mode (Slack HTTP or Socket Mode, Discord); the console
# has no HTTP server and reports unhealthy, which is fine: it is for a terminal, not a deploy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# SIGTERM is a graceful stop (README, "Exactly once"): no new work, the post in flight gets
# DRILLBOT_SHUTDOWN_GRACE_SECONDS (20 s), acknowledged Slack requests up to 10 s, then exit 0.
# Give it 35 s before SIGKILL: `docker stop --time 35`, `kill_timeout = 35` in fly.toml,
# `terminationGracePeriodSeconds: 35` on Kubernetes.
STOPSIGNAL SIGTERM
# Upgrades the database on start too (fly.toml's release_command does it once per deploy).
CMD ["drillbot", "run"]
