# drillbot: one image for every platform; the environment picks Slack or the console.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DRILLBOT_DATA_DIR=/data
WORKDIR /app

COPY pyproject.toml README.md alembic.ini ./
COPY bot ./bot
COPY content ./content
COPY migrations ./migrations
COPY slack ./slack
# Editable, so the package finds content/ and migrations/ beside it in /app.
RUN pip install --no-cache-dir -e . && useradd --create-home drillbot && mkdir -p /data \
    && chown drillbot /data
USER drillbot

EXPOSE 3000
# Upgrades the database on start; with SLACK_SIGNING_SECRET it serves HTTP on $PORT.
# drillbot stops gracefully on SIGTERM (see README, "Exactly once"); allow it 35 s.
STOPSIGNAL SIGTERM
CMD ["drillbot", "run"]
