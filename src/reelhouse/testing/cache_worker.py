"""A cache process driven over stdin/stdout (one JSON object per line), for the multi-process
tests and benchmarks: each worker has its own L1 and shares Redis with the others.

    python -m reelhouse.testing.cache_worker --redis URL --prefix P [--namespace NAME:MAX:TTL]

Requests are ``{"op": ..., ...}``; each gets one JSON line back. The loader of ``get_or_load``
and ``stampede`` reads the value from the Redis key ``source`` and counts its calls in
``source + ":loads"``, so a test can both change the truth and count loader calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

import redis.asyncio as aioredis

from reelhouse.config import CacheNamespaceSettings, CacheSettings, RedisSettings
from reelhouse.infra.cache import MISS, Cache, CacheNamespace, Message


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--redis", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--namespace", action="append", default=[], help="NAME:MAX:TTL")
    parser.add_argument("--timeout", type=float, default=0.25)
    parser.add_argument("--lock-wait", type=float, default=5.0)
    return parser.parse_args(argv)


class Worker:
    def __init__(self, args: argparse.Namespace) -> None:
        namespaces = {}
        for spec in args.namespace or ["test:10000:60"]:
            name, max_entries, ttl = spec.split(":")
            namespaces[name] = CacheNamespaceSettings(
                max_entries=int(max_entries), ttl_s=float(ttl)
            )
        self.cache = Cache(
            CacheSettings(
                key_prefix=args.prefix,
                namespaces=namespaces,
                lock_wait_s=args.lock_wait,
                pubsub_ping_s=0.5,
            ),
            RedisSettings(url=args.redis, timeout_s=args.timeout, retry_after_s=0.2),
        )
        self.redis = aioredis.Redis.from_url(args.redis)
        self.received: list[tuple[int, int, list[str], list[list[str]]]] = []
        self.cache.add_invalidation_hook(self._heard)

    def _heard(self, message: Message) -> None:
        self.received.append(
            (message.sent_ns, time.time_ns(), list(message.tags), [list(k) for k in message.keys])
        )

    def _loader(self, source: str, sleep_s: float) -> Any:
        async def load() -> Any:
            await self.redis.incr(source + ":loads")
            value = await self.redis.get(source)
            if sleep_s:
                await asyncio.sleep(sleep_s)
            return value.decode() if isinstance(value, bytes) else value

        return load

    async def handle(self, request: dict[str, Any]) -> Any:
        op = request["op"]
        if op == "ready":
            return await self.cache.wait_subscribed(request.get("timeout", 5.0))
        if op == "get_or_load":
            ns: CacheNamespace[Any] = self.cache.namespace(request["ns"])
            return await ns.get_or_load(
                request["key"],
                self._loader(request["source"], request.get("sleep", 0.0)),
                tags=request.get("tags", ()),
            )
        if op == "get":
            found = await self.cache.namespace(request["ns"]).get(request["key"])
            return "MISS" if found is MISS else found
        if op == "get_local":
            found = self.cache.namespace(request["ns"]).get_local(request["key"])
            return "MISS" if found is MISS else found
        if op == "set":
            await self.cache.namespace(request["ns"]).set(
                request["key"], request["value"], tags=request.get("tags", ())
            )
            return True
        if op == "invalidate":
            await self.cache.invalidate(
                keys=[tuple(k) for k in request.get("keys", [])], tags=request.get("tags", [])
            )
            return True
        if op == "stampede":
            return await self._stampede(request)
        if op == "received":
            heard, self.received = self.received, []
            return heard
        raise ValueError(f"unknown op {op}")

    async def _stampede(self, request: dict[str, Any]) -> Any:
        ns: CacheNamespace[Any] = self.cache.namespace(request["ns"])
        loader = self._loader(request["source"], request.get("sleep", 0.0))
        delay = request["start_at"] - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        results = await asyncio.gather(
            *(ns.get_or_load(request["key"], loader) for _ in range(request["count"]))
        )
        return sorted({str(result) for result in results})

    async def close(self) -> None:
        await self.cache.close()
        await self.redis.aclose()


async def _serve(args: argparse.Namespace) -> None:
    worker = Worker(args)
    await worker.cache.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while line := await reader.readline():
            request = json.loads(line)
            if request["op"] == "quit":
                break
            try:
                response = {"ok": True, "result": await worker.handle(request)}
            except Exception as exc:  # noqa: BLE001 - reported to the driving test
                response = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            sys.stdout.write(json.dumps(response) + "\n")
            sys.stdout.flush()
    finally:
        await worker.close()


class WorkerProcess:
    """Drives one worker subprocess from a test or a benchmark."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @classmethod
    async def spawn(cls, redis_url: str, prefix: str, *extra: str) -> WorkerProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "reelhouse.testing.cache_worker",
            "--redis",
            redis_url,
            "--prefix",
            prefix,
            *extra,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def call(self, op: str, timeout_s: float = 30.0, **fields: Any) -> Any:
        process = self._process
        if process.stdin is None or process.stdout is None:
            raise RuntimeError("cache worker has no pipes")
        process.stdin.write((json.dumps({"op": op, **fields}) + "\n").encode())
        await process.stdin.drain()
        async with asyncio.timeout(timeout_s):
            line = await process.stdout.readline()
        if not line:
            raise RuntimeError(f"cache worker exited (code {await process.wait()})")
        response = json.loads(line)
        if not response["ok"]:
            raise RuntimeError(f"cache worker failed: {response['error']}")
        return response["result"]

    async def stop(self) -> None:
        process = self._process
        if process.returncode is None and process.stdin is not None:
            process.stdin.write(b'{"op": "quit"}\n')
            process.stdin.close()
            try:
                async with asyncio.timeout(10):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(_serve(_parse_args(argv)))


if __name__ == "__main__":
    main()
