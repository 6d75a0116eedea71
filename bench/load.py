"""Service load: /v1/ask (extractive) at 1, 10 and 50 concurrent clients on loopback, bounded in
requests and time, plus the server's memory at rest and after three repeated load runs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.scale import pct


def server_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return round(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024, 1)


def start_server(index_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "RAGQA_RATE_LIMIT_PER_MINUTE": "100000000", "RAGQA_AUDIT_QUESTIONS": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "rag", "serve", "--index-dir", str(index_dir), "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("server did not become ready")


def load_run(base: str, questions: list[str], clients: int, requests: int, max_seconds: float,
             unique: bool = False) -> dict[str, Any]:
    """`unique` makes every question new (a numbered suffix), so no query-embedding cache helps."""
    lat: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(requests))
    stop_at = time.monotonic() + max_seconds

    def worker() -> None:
        nonlocal errors
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < stop_at:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                t = time.perf_counter()
                try:
                    q = questions[i % len(questions)] + (f"（第{i}问）" if unique else "")
                    ok = client.post(base + "/v1/ask", json={"question": q}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                dt = (time.perf_counter() - t) * 1000
                with lock:
                    lat.append(dt)
                    errors += 0 if ok else 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    return {"clients": clients, "questions": "unique" if unique else "repeated", "requests": len(lat), "errors": errors, "throughput_rps": round(len(lat) / wall, 1),
            "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "p99_ms": pct(lat, 99)}
