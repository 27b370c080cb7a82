"""The review web app: a standard-library HTTP server on the loopback interface.

Why the standard library: the app serves one user on one machine (a handful of JSON
endpoints and four static files), so ``http.server.ThreadingHTTPServer`` does it without a
dependency that every installation would carry. Safety is explicit here:

* it listens on 127.0.0.1 unless told otherwise, on a random free port by default;
* every request's ``Host`` must name that address (``127.0.0.1:PORT`` or ``localhost:PORT``),
  which defeats DNS rebinding;
* a request that changes data must be a JSON POST carrying the per-run token in the
  ``X-Review-Token`` header (the page gets it in a meta tag; another site cannot read it,
  and cannot send the header without a CORS preflight this server never grants) and, when
  the browser sends one, an ``Origin`` of this server;
* it serves only its own static files (by exact name) and data derived from the results
  folder and the recording, never a path from the request.
"""

from __future__ import annotations

import bisect
import dataclasses
import errno
import json
import logging
import math
import secrets
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from somnomotor._errors import OutputError, ParameterError, SomnomotorError
from somnomotor.review.night import EDITABLE_KINDS, ReviewNight, json_value, list_versions
from somnomotor.review.session import ConflictError, ReviewSession
from somnomotor.review.signals import SignalStore
from somnomotor.score.plm import COMPONENTS_KEY, FAMILY

logger = logging.getLogger(__name__)

STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".png": "image/png",
                ".svg": "image/svg+xml"}
MAX_BODY_BYTES = 1 << 20
MAX_SESSIONS = 64
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
#: Columns of a combined leg movement shown to the scorer.
LM_FIELDS = ("lm_id", "leg", "candidate", "in_series", "series_id", "respiratory_related",
             "arousal_associated", "stage", "imi_s", "n_components", "short_imi", "isolated",
             "in_series_nr")
#: Fixed rows sent once (drawn but not edited).
FIXED_KINDS = ("unscorable", "rswa_mini_epoch", "rswa_epoch")


def _static_files() -> dict[str, bytes]:
    folder = resources.files("somnomotor.review") / "static"
    out: dict[str, bytes] = {}
    for item in folder.iterdir():
        name = item.name
        if item.is_file() and any(name.endswith(ext) for ext in STATIC_TYPES):
            out[name] = item.read_bytes()
    return out


def _json_column(values: Any) -> list[Any]:
    """One column as plain JSON values (what :func:`json_value` gives cell by cell)."""
    kind = getattr(values.dtype, "kind", "O")
    if kind in "biu":
        return values.tolist()  # Python bool / int
    if kind == "f":
        return [v if math.isfinite(v) else None for v in values.tolist()]
    return [json_value(v) for v in values.tolist()]


def _records(frame: Any, columns: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    # Column by column: a night's fixed rows are ~10,000 mini-epochs of ~30 mostly empty
    # columns, which cell by cell took half a second of the first screen.
    always = ("onset_s", "duration_s", "channel", "trial_type")
    names: list[str] = []
    cells: list[list[Any]] = []
    for name in frame.columns:
        if columns is not None and name not in columns and name not in always:
            continue
        values = _json_column(frame[name])
        if any(v is not None for v in values):
            names.append(name)
            cells.append(values)
    return [{k: v for k, v in zip(names, row) if v is not None} for row in zip(*cells)] \
        if cells else [{} for _ in range(len(frame))]


class ReviewApp:
    """State shared by every request: the night, its signals, the open sessions."""

    def __init__(self, night: ReviewNight) -> None:
        self.night = night
        self.token = secrets.token_urlsafe(24)
        self.static = _static_files()
        self.signals = SignalStore(night.recording) if night.recording is not None else None
        self.sessions: dict[str, ReviewSession] = {}
        self.lock = threading.Lock()
        self.automatic = {ix["name"]: ix for ix in night.summary.get("indices", [])}
        #: scorer name from the command line, the default of every new session
        self.default_scorer = ""

    # -- documents ----------------------------------------------------------------------
    def night_document(self) -> dict[str, Any]:
        night = self.night
        hyp = night.hypnogram
        fixed = night.events.select(list(FIXED_KINDS))
        return {
            "folder": night.folder.name,
            "recording": night.recording_path.name if night.recording_path else None,
            "start": (night.summary.get("input") or {}).get("start"),
            "duration_s": night.duration_s,
            "rule_set": night.rules.name,
            "version": night.version,
            "versions": list_versions(night.folder),
            "channels": self.signals.describe() if self.signals else [],
            "leg_channels": night.leg_sides,
            "channel_mapping": night.summary.get("channel_mapping") or {},
            "hypnogram": None if hyp is None else {
                "epoch_s": hyp.epoch_s, "onset_s": hyp.onset_s,
                "stages": [str(s) for s in hyp.effective_stages]},
            "editable_kinds": list(EDITABLE_KINDS),
            "fixed_events": _records(fixed.frame),
            "other_indices": [
                {k: ix.get(k) for k in ("name", "value", "unit", "family", "description")}
                for ix in night.summary.get("indices", []) if ix.get("family") != FAMILY],
            "warnings": list(night.warnings),
        }

    def state_document(self, session: ReviewSession) -> dict[str, Any]:
        result = session.result
        lms = result.events.frame
        comps = result.extra.get(COMPONENTS_KEY)
        comp_frame = comps.frame if comps is not None else None
        leg_events = []
        other = []
        # each scored component, by channel in onset order: a mark belongs to the component
        # of its channel that holds its onset (same-leg marks < 0.5 s apart are one component)
        by_channel: dict[str, tuple[list[float], list[float], list[int]]] = {}
        if comp_frame is not None and len(comp_frame):
            for row in comp_frame.sort_values("onset_s", kind="stable").to_dict("records"):
                starts, ends, ids = by_channel.setdefault(str(row["channel"]), ([], [], []))
                starts.append(float(row["onset_s"]))
                ends.append(float(row["onset_s"]) + float(row["duration_s"]))
                ids.append(int(row["lm_id"]))
        for ev in session.ordered():
            d = ev.to_dict()
            if ev.trial_type == "leg_movement":
                d["lm_id"] = None
                starts, ends, ids = by_channel.get(ev.channel, ([], [], []))
                k = bisect.bisect_right(starts, ev.onset_s + 1e-6) - 1
                if k >= 0 and ev.onset_s <= ends[k] + 1e-6:
                    d["lm_id"] = ids[k]
                leg_events.append(d)
            else:
                other.append(d)
        indices = []
        for ix in result.indices:
            auto = self.automatic.get(ix.name, {})
            indices.append({"name": ix.name, "value": json_value(ix.value), "unit": ix.unit,
                            "automatic": json_value(auto.get("value")),
                            "description": ix.description, "denominator": ix.denominator})
        return {
            "session": session.id,
            "revision": session.revision,
            "base_version": session.base_version,
            "latest_version": max(list_versions(self.night.folder), default=0),
            "can_undo": len(session.undo_stack), "can_redo": len(session.redo_stack),
            "pending_edits": len(session.pending_log),
            "scorer": session.scorer,
            "events": leg_events + other,
            "leg_movements": _records(lms, LM_FIELDS),
            "indices": indices,
            "warnings": list(result.warnings),
        }

    def refresh(self) -> ReviewNight:
        """The latest saved version (a page opened or reloaded shows it)."""
        from somnomotor.review.night import load_review_night

        with self.lock:
            if max(list_versions(self.night.folder), default=0) != self.night.version:
                # signals, respiratory events and arousals do not change between versions
                fresh = load_review_night(self.night.folder)
                self.night = dataclasses.replace(
                    fresh, recording=self.night.recording,
                    recording_path=self.night.recording_path,
                    respiratory=self.night.respiratory, arousals=self.night.arousals,
                    warnings=self.night.warnings)
            return self.night

    def new_session(self, scorer: str = "") -> ReviewSession:
        self.refresh()
        with self.lock:
            session = ReviewSession(self.night, scorer=scorer)
            if len(self.sessions) >= MAX_SESSIONS:
                self.sessions.pop(next(iter(self.sessions)))
            self.sessions[session.id] = session
            return session


class _Handler(BaseHTTPRequestHandler):
    server_version = "somnomotor-review"
    protocol_version = "HTTP/1.1"
    app: ReviewApp  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        logger.debug("%s %s", self.address_string(), format % args)

    # -- responses ----------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(doc, ensure_ascii=False, allow_nan=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", headers)

    def _error(self, status: int, message: str) -> None:
        self._json(status, {"error": message})

    # -- checks -------------------------------------------------------------------------
    def _allowed_hosts(self) -> set[str]:
        host, port = self.server.server_address[:2]
        return {f"{h}:{port}" for h in (str(host), "127.0.0.1", "localhost", "[::1]")}

    def _host_ok(self) -> bool:
        return (self.headers.get("Host") or "").lower() in self._allowed_hosts()

    def _may_change(self) -> str | None:
        """Why this data-changing request is refused, or None."""
        origin = self.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc.lower() not in self._allowed_hosts():
            return f"cross-site request refused (Origin {origin!r})"
        site = self.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            return f"cross-site request refused (Sec-Fetch-Site {site!r})"
        token = self.headers.get("X-Review-Token") or ""
        if not secrets.compare_digest(token.encode(), self.app.token.encode()):
            return "missing or wrong X-Review-Token header"
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return "a JSON body (Content-Type: application/json) is required"
        return None

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            raise ParameterError(f"request body over {MAX_BODY_BYTES} bytes")
        raw = self.rfile.read(length) if length else b"{}"
        doc = json.loads(raw.decode("utf-8") or "{}")
        if not isinstance(doc, dict):
            raise ParameterError("request body must be a JSON object")
        return doc

    def _session(self) -> ReviewSession:
        ident = self.headers.get("X-Review-Session") or ""
        session = self.app.sessions.get(ident)
        if session is None:
            raise KeyError(f"no session {ident!r}: reload the page")
        return session

    def _revision(self) -> int | None:
        value = self.headers.get("If-Match")
        if value is None:
            return None
        try:
            return int(value.strip().strip('"').split("-")[-1])
        except ValueError:
            raise ParameterError(f"If-Match must be a revision ETag, received {value!r}") from None

    # -- verbs --------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        if not self._host_ok():
            self._error(HTTPStatus.MISDIRECTED_REQUEST, "unknown Host")
            return
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            self._get(url.path, query)
        except (KeyError, SomnomotorError, ValueError) as exc:
            status = HTTPStatus.NOT_FOUND if isinstance(exc, KeyError) else HTTPStatus.BAD_REQUEST
            self._error(status, str(exc.args[0] if exc.args else exc))

    do_HEAD = do_GET

    def _get(self, path: str, query: dict[str, str]) -> None:
        app = self.app
        if path in ("/", "/index.html"):
            page = app.static["index.html"].decode("utf-8").replace("__TOKEN__", app.token)
            self._send(HTTPStatus.OK, page.encode("utf-8"), STATIC_TYPES[".html"])
        elif path.startswith("/static/"):
            name = path[len("/static/"):]
            if name not in app.static or name == "index.html":
                self._error(HTTPStatus.NOT_FOUND, "no such file")
                return
            ext = name[name.rfind("."):]
            self._send(HTTPStatus.OK, app.static[name], STATIC_TYPES[ext])
        elif path == "/api/night":
            app.refresh()
            self._json(HTTPStatus.OK, app.night_document())
        elif path == "/api/state":
            session = self._session()
            with session.lock:
                doc = app.state_document(session)
            self._json(HTTPStatus.OK, doc, {"ETag": f'"{session.id}-{session.revision}"'})
        elif path == "/api/signal":
            if app.signals is None:
                self._error(HTTPStatus.NOT_FOUND, "no recording: start with --input FILE")
                return
            labels = [s for s in query.get("channels", "").split(",") if s]
            if not labels:
                raise ParameterError("give channels=LABEL[,LABEL...]")
            start = float(query.get("start", "0"))
            duration = float(query.get("duration", "30"))
            pixels = int(query.get("pixels", "1000"))
            filtered = query.get("filter", "1") == "1"
            t0 = time.perf_counter()
            traces = [app.signals.window(lab, start, duration, pixels, filtered=filtered)
                      for lab in labels]
            self._json(HTTPStatus.OK, {"traces": traces,
                                       "seconds": round(time.perf_counter() - t0, 4)})
            # the first screen is out: the whole channels may now be decoded
            app.signals.first_window_served.set()
        elif path == "/api/overview":
            if app.signals is None:
                self._error(HTTPStatus.NOT_FOUND, "no recording: start with --input FILE")
                return
            label = query.get("channel", "")
            lo, hi = app.signals.overview(label)
            self._json(HTTPStatus.OK, {"label": label, "bin_s": 1.0,
                                       "min": [json_value(v) for v in lo.round(1)],
                                       "max": [json_value(v) for v in hi.round(1)]})
        elif path == "/api/versions":
            self._json(HTTPStatus.OK, {"versions": list_versions(app.night.folder),
                                       "shown": app.night.version})
        else:
            self._error(HTTPStatus.NOT_FOUND, "no such page")

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        if not self._host_ok():
            self._error(HTTPStatus.MISDIRECTED_REQUEST, "unknown Host")
            return
        refused = self._may_change()
        if refused:
            self._error(HTTPStatus.FORBIDDEN, refused)
            return
        path = urlsplit(self.path).path
        try:
            body = self._body()
            self._post(path, body)
        except ConflictError as exc:
            self._error(HTTPStatus.CONFLICT, str(exc))
        except KeyError as exc:
            self._error(HTTPStatus.NOT_FOUND, str(exc.args[0] if exc.args else exc))
        except (SomnomotorError, ValueError) as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
        except OSError as exc:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc))

    def _post(self, path: str, body: dict[str, Any]) -> None:
        app = self.app
        if path == "/api/session":
            session = app.new_session(str(body.get("scorer") or app.default_scorer)[:200])
            self._state(session, HTTPStatus.CREATED)
            return
        session = self._session()
        revision = self._revision()
        t0 = time.perf_counter()
        if path == "/api/edit":
            session.edit(body, revision=revision)
        elif path == "/api/undo":
            session.undo(revision=revision)
        elif path == "/api/redo":
            session.redo(revision=revision)
        elif path == "/api/save":
            saved = session.save(scorer=str(body.get("scorer") or "")[:200] or None)
            with session.lock:
                doc = app.state_document(session)
            doc["saved"] = saved
            self._json(HTTPStatus.OK, doc, {"ETag": f'"{session.id}-{session.revision}"'})
            return
        elif path == "/api/scorer":
            session.scorer = str(body.get("scorer") or "")[:200]
        else:
            self._error(HTTPStatus.NOT_FOUND, "no such endpoint")
            return
        self._state(session, HTTPStatus.OK, seconds=time.perf_counter() - t0)

    def _state(self, session: ReviewSession, status: int, seconds: float | None = None) -> None:
        with session.lock:
            doc = self.app.state_document(session)
        if seconds is not None:
            doc["rescore_seconds"] = round(seconds, 4)
        self._json(status, doc, {"ETag": f'"{session.id}-{session.revision}"'})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError):
            return  # the browser closed the connection (page reloaded or paged on)
        logger.exception("request from %s failed", client_address)


class ReviewServer:
    """The review app bound to ``host:port`` (port 0: a random free port)."""

    def __init__(self, night: ReviewNight, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = ReviewApp(night)
        handler = type("ReviewHandler", (_Handler,), {"app": self.app})
        try:
            self.httpd = _Server((host, port), handler)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise OutputError(f"port {port} on {host} is busy; choose another with --port "
                                  "or leave it out for a free one") from exc
            raise OutputError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
        self.httpd.daemon_threads = True
        if self.app.signals is not None:
            self.app.signals.start_background()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}/"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="review-http", daemon=True)
        thread.start()
        return thread

    def shutdown(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


__all__ = ["ReviewApp", "ReviewServer"]
