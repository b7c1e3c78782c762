"""Prometheus metrics of this process, for admins only.

Prometheus sends an admin's API token with `authorization: {credentials_file: ...}` in its
scrape config. Exactly the app's registry is served (see docs/cache.md, "Metrics").
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from reelhouse.api.deps import AdminDep

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus exposition."}},
)
async def metrics(request: Request, _admin: AdminDep) -> Response:
    """Prometheus text format, or OpenMetrics when the scraper asks for it."""
    encode, content_type = choose_encoder(request.headers.get("accept", ""))
    registry: CollectorRegistry = request.app.state.metrics_registry
    return Response(encode(registry), headers={"Content-Type": content_type})
