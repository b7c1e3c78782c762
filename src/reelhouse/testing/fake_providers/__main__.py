"""`python -m reelhouse.testing.fake_providers --port 8421 --movies 2000 --series 100`.

Point reelhouse at it with REELHOUSE_TMDB_BASE_URL=http://HOST:PORT/3 and
REELHOUSE_TVDB_BASE_URL=http://HOST:PORT/v4 (any API key is accepted).
"""

from __future__ import annotations

import argparse

import uvicorn

from reelhouse.testing.fake_providers.app import FakeProviders, create_app
from reelhouse.testing.fake_providers.catalogue import Catalogue
from reelhouse.testing.fake_providers.control import FaultConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8421)
    parser.add_argument("--movies", type=int, default=1000, help="generated movies")
    parser.add_argument("--series", type=int, default=100, help="generated series")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every answer")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests/s, then 429")
    parser.add_argument("--burst", type=float, default=None, help="bucket size (default: rate)")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of 5xx answers")
    parser.add_argument("--rate-limit-fault-rate", type=float, default=0.0, help="share of 429s")
    parser.add_argument("--timeout-rate", type=float, default=0.0, help="share of hung answers")
    parser.add_argument("--malformed-rate", type=float, default=0.0, help="share of bad JSON")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = FaultConfig(
        latency_ms=args.latency_ms,
        rate_limit_per_s=args.rate_limit,
        burst=args.burst,
        error_rate=args.fault_rate,
        rate_limit_rate=args.rate_limit_fault_rate,
        timeout_rate=args.timeout_rate,
        malformed_rate=args.malformed_rate,
        seed=args.seed,
    )
    fake = FakeProviders(Catalogue(args.movies, args.series), config)
    uvicorn.run(create_app(fake), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
