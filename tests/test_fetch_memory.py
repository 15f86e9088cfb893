"""A 60 MB body and a gzip bomb (1 GB inflated) are cut at 10 MiB; peak memory stays low.

Runs in a fresh subprocess so its peak resident size (VmHWM) measures only this work.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, zlib
    from tests.fetchkit import LocalServer, Request, respond
    from digest.ingest.fetch import Fetcher, FetchError

    def bomb() -> bytes:
        c = zlib.compressobj(1, zlib.DEFLATED, 31)
        zeros = bytes(1 << 20)
        parts = [c.compress(zeros) for _ in range(1024)]  # 1 GiB of zeros, inflated
        parts.append(c.flush())
        return b"".join(parts)

    def vm_hwm_mb() -> float:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM")

    async def main() -> None:
        gz = bomb()
        block = b"<item>" + b"x" * 65530
        async def big(req: Request, w: asyncio.StreamWriter) -> None:
            # 60 MB with no Content-Length: only the running count can stop it
            w.write(b"HTTP/1.1 200 OK\\r\\nConnection: close\\r\\n\\r\\n")
            for _ in range(60_000_000 // len(block)):
                w.write(block)
                await w.drain()
            w.close()
        async def gzbomb(req: Request, w: asyncio.StreamWriter) -> None:
            await respond(w, 200, gz, {"Content-Encoding": "gzip"})
        srv = await LocalServer({"/big": big, "/bomb": gzbomb}).start()
        out = {"compressed_mb": len(gz) / 1e6}
        async with Fetcher(allow=[srv.hostport]) as f:
            for path in ("/big", "/bomb"):
                try:
                    await f.fetch(srv.base + path)
                    out[path] = "fetched"
                except FetchError as exc:
                    out[path] = [exc.kind, exc.reason]
        await srv.stop()
        out["vm_hwm_mb"] = vm_hwm_mb()
        print(json.dumps(out))

    asyncio.run(main())
    """
)


def test_huge_and_bomb_bodies_cut_at_cap_with_low_peak_memory() -> None:
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    too_large = ["too_large", "the feed is larger than 10 MiB"]
    assert out["/big"] == too_large
    assert out["/bomb"] == too_large
    assert out["vm_hwm_mb"] < 200, out
