"""`ragqa serve` bounds what it buffers of a request's headers: a huge header block is refused by the HTTP
parser before it is held in memory, a moderately large one gets 431 from the app, a normal one is served."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx

from tests.conftest import ROOT, free_port


def _first_line(port: int, header_bytes: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * header_bytes + b"\r\n\r\n")
            return s.recv(200).split(b"\r\n")[0]
        except OSError:  # reset by the server while we were still sending: refused unread
            return b"reset"


def test_serve_refuses_huge_headers_unbuffered_and_answers_431_over_the_limit(tmp_path):
    port = free_port()
    env = {**os.environ, "RAGQA_INDEX_DIR": str(tmp_path / "index"), "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-m", "rag", "serve", "--port", str(port)], cwd=ROOT, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240  # start-up imports gradio: slow on a loaded 2-core machine
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        assert _first_line(port, 10).endswith(b"200 OK")
        assert _first_line(port, 64 * 1024).startswith(b"HTTP/1.1 431")
        t0 = time.monotonic()
        huge = _first_line(port, 16 * 1024 * 1024)
        assert huge == b"reset" or huge.startswith(b"HTTP/1.1 400"), huge
        assert time.monotonic() - t0 < 10
        assert _first_line(port, 10).endswith(b"200 OK")  # still serving
    finally:
        p.terminate()
        p.wait(timeout=30)
