"""The baseline of `stream.py`: the least a Python server can do to send a file. Minimal HTTP/1.1
on asyncio (keep-alive, every request answered 200 with the whole file, headers ignored), the body
sent with `loop.sendfile`, as reelhouse sends it; no framework, no routing, no database.

    python bench/_bare_sendfile.py PORT FILE
"""

from __future__ import annotations

import asyncio
import os
import sys


async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> None:
    loop = asyncio.get_running_loop()
    try:
        while await reader.readuntil(b"\r\n\r\n"):
            with open(path, "rb") as file:  # noqa: ASYNC230 - opening is all it does here
                size = os.fstat(file.fileno()).st_size
                head = f"content-type: video/x-matroska\r\ncontent-length: {size}\r\n\r\n"
                writer.write(b"HTTP/1.1 200 OK\r\n" + head.encode())
                await writer.drain()
                await loop.sendfile(writer.transport, file, 0, size)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass  # the client closed the connection
    finally:
        writer.close()


async def serve(port: int, path: str) -> None:
    server = await asyncio.start_server(
        lambda reader, writer: answer(reader, writer, path), "127.0.0.1", port
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2]))
