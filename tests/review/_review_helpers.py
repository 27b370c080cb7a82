"""Helpers of the review tests: an HTTP client for the API and a server on a results folder."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class AnalysedNight:
    recording: Path
    results: Path


class Client:
    """Minimal HTTP client for the review API (what the page's fetch calls send)."""

    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/")
        self.token = token
        self.session = ""
        self.revision = 0

    def request(self, method: str, path: str, body: Any = None, *,
                headers: dict[str, str] | None = None, token: bool = True,
                session: bool = True) -> tuple[int, Any, dict[str, str]]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        if token and method == "POST":
            req.add_header("X-Review-Token", self.token)
        if session and self.session:
            req.add_header("X-Review-Session", self.session)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                raw, status, hdrs = res.read(), res.status, dict(res.headers)
        except urllib.error.HTTPError as err:
            raw, status, hdrs = err.read(), err.code, dict(err.headers)
        kind = hdrs.get("Content-Type", "")
        doc = json.loads(raw) if kind.startswith("application/json") else raw
        return status, doc, hdrs

    def get(self, path: str, **kw: Any) -> tuple[int, Any, dict[str, str]]:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any, dict[str, str]]:
        status, doc, hdrs = self.request("POST", path, {} if body is None else body, **kw)
        if status in (200, 201) and isinstance(doc, dict) and "session" in doc:
            self.session, self.revision = doc["session"], doc["revision"]
        return status, doc, hdrs

    def open_session(self, scorer: str = "") -> dict[str, Any]:
        status, doc, _ = self.post("/api/session", {"scorer": scorer}, session=False)
        assert status == 201, doc
        return doc


@contextlib.contextmanager
def serving(results: Path, recording: Path | None) -> Iterator[tuple[Any, Client]]:
    from somnomotor.review.night import load_review_night
    from somnomotor.review.server import ReviewServer

    night = load_review_night(results, recording_path=recording)
    server = ReviewServer(night)
    server.start_thread()
    try:
        yield server, Client(server.url, server.app.token)
    finally:
        server.shutdown()
