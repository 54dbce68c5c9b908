"""What every platform's HTTP server shares: the ``/metrics`` page."""

from __future__ import annotations

from aiohttp import web

from bot.observability.prometheus import CONTENT_TYPE, PrometheusMetrics

METRICS_PATH = "/metrics"


def metrics_response(metrics: PrometheusMetrics) -> web.Response:
    response = web.Response(body=metrics.render())
    # aiohttp refuses a charset inside ``content_type``: the header is set whole.
    response.headers["Content-Type"] = CONTENT_TYPE
    return response
