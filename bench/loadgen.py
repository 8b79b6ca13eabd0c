"""Load generation on the loopback: wrk when installed, else a small asyncio HTTP/1.1 client.

Both return the same dict: requests, seconds, rps, p50_ms, p95_ms, errors (connection errors and
statuses other than the one expected), and `statuses` for the Python client.
"""

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

WRK_SCRIPT = """
local headers_list = {}
%(headers)s
for name, value in pairs(headers_list) do wrk.headers[name] = value end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p95_us": %%d, '
    .. '"connect_errors": %%d, "read_errors": %%d, "timeouts": %%d, "status_errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    summary.errors.connect, summary.errors.read, summary.errors.timeout, summary.errors.status))
end
"""


def have_wrk():
    return shutil.which("wrk") is not None


def _lua_string(value):
    return json.dumps(value)  # a JSON string is a valid Lua string literal for our headers


def run_wrk(url, *, seconds, connections, headers, expected=200, threads=2):
    header_lines = "\n".join(
        f"headers_list[{_lua_string(name)}] = {_lua_string(value)}"
        for name, value in headers.items()
    )
    # wrk counts statuses >= 400 as errors; each endpoint's status is checked once beforehand.
    script = WRK_SCRIPT % {"headers": header_lines}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = handle.name
    try:
        completed = subprocess.run(
            [
                "wrk",
                f"-t{min(threads, connections)}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "30s",
                "-s",
                script_path,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    finally:
        Path(script_path).unlink(missing_ok=True)
    line = next(line for line in completed.stdout.splitlines() if line.startswith("WRKJSON "))
    raw = json.loads(line.removeprefix("WRKJSON "))
    duration = raw["duration_us"] / 1e6
    return {
        "tool": "wrk",
        "requests": raw["requests"],
        "seconds": round(duration, 3),
        "rps": raw["requests"] / duration if duration else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "errors": raw["connect_errors"]
        + raw["read_errors"]
        + raw["timeouts"]
        + raw["status_errors"],
    }


async def _one_connection(host, port, request, deadline, expected, latencies, counters):
    reader = writer = None
    while time.perf_counter() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            status = int(status_line.split()[1])
            length, close = 0, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value.strip())
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            counters["requests"] += 1
            if status != expected:
                counters["errors"] += 1
            if close:
                writer.close()
                reader = writer = None
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            counters["errors"] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def run_python(url, *, seconds, connections, headers, expected=200):
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    latencies, counters = [], {"requests": 0, "errors": 0}

    async def main():
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(
                _one_connection(
                    parts.hostname, parts.port, request, deadline, expected, latencies, counters
                )
                for _ in range(connections)
            )
        )

    started = time.perf_counter()
    asyncio.run(main())
    duration = time.perf_counter() - started
    latencies.sort()

    def percentile(fraction):
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000

    return {
        "tool": "python",
        "requests": counters["requests"],
        "seconds": round(duration, 3),
        "rps": counters["requests"] / duration if duration else 0.0,
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "errors": counters["errors"],
    }


def measure(url, *, seconds=5, connections=4, headers=None, expected=200):
    headers = headers or {}
    if have_wrk():
        return run_wrk(
            url, seconds=seconds, connections=connections, headers=headers, expected=expected
        )
    return run_python(
        url, seconds=seconds, connections=connections, headers=headers, expected=expected
    )
