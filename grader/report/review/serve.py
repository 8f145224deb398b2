"""``grader review --serve``: the review pages on a loopback form server that saves OUT/overrides.csv.

Loopback only; every address starts with a random token and every POST carries it again in its
body (with the Host and Origin checked), so neither another local user nor a page of another
site in the TA's browser can read the answers or post scores. A thread per request (a browser's
idle preconnection, or a local user's silent socket, held a one-at-a-time server: every page
hung), one save at a time, so two saves never interleave. A save is checked as
``grader apply-overrides`` checks a file, merged into OUT/overrides.csv (rows of other points
kept), and optionally applied to the reports.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
import socket
import threading
from dataclasses import dataclass, field
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from grader.report.overrides import apply_overrides, save_overrides
from grader.report.review.form import Form, Saving, form_rows, posted, refusal
from grader.report.review.pages import FOLDER, OVERRIDES, PointView, point_views, render_index, render_point
from grader.report.review.pseudonyms import pseudonym, secret_of
from grader.sheet import Sheet, SheetError

MAX_BODY = 2 * 2**20
MAX_FIELDS = 30_000
_SUBMISSION_CSP = ("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                   "frame-ancestors 'none'")  # student content: no script, and an origin of its own
# The file name in submission.html.j2's title and header (escaped text: no '<' in it)
_TITLE = re.compile(r"<title>[^<]*</title>")
_HEADING = re.compile(r"(<header>\s*<h1>)[^<]*(</h1>)")


@dataclass
class ReviewSite:
    sheet: Sheet
    out: Path
    anonymous: bool = False
    apply: bool = False
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    saving: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def view(self, slug: str) -> PointView:
        views = point_views(self.sheet, self.out, self.anonymous, served=True)
        found = next((v for v in views if v.point.slug == slug), None)
        if found is None:
            raise KeyError(slug)
        return found

    def index(self) -> str:
        return render_index(self.sheet, point_views(self.sheet, self.out, self.anonymous))

    def page(self, view: PointView, notice: str = "", problem: str = "") -> str:
        return render_point(view, token=self.token, notice=notice, problem=problem)

    def save(self, slug: str, form: Form) -> Saving:
        """The form's scored answers into OUT/overrides.csv, but for the students whose score
        changed since the page showed it (SheetError: nothing saved)."""
        path = self.out / OVERRIDES
        with self.saving:  # read, checked, merged and written whole: a concurrent save would lose rows
            saving = form_rows(self.view(slug), form)
            save_overrides(self.sheet, self.out, saving.rows, path)
            if self.apply:
                apply_overrides(self.sheet, self.out, path)
        return saving

    def submission(self, name: str) -> Path | None:
        """The executed notebook of the student a page names (a pseudonym when anonymous)."""
        if self.anonymous:
            secret = secret_of(self.out / FOLDER)
            name = next((p.name for p in self.out.iterdir() if pseudonym(secret, p.name) == name), "")
        path = self.out / name / "submission.html"
        graded = "/" not in name and name not in ("", ".", "..") and (path.parent / "report.json").is_file()
        return path if graded and path.is_file() else None


class _Handler(BaseHTTPRequestHandler):
    site: ReviewSite
    origin: str  # http://127.0.0.1:PORT
    timeout = 60  # seconds a connection may stay silent (a slow body too): its thread then ends

    def log_message(self, format: str, *args: object) -> None:
        pass  # no access log: the URLs hold the token

    def _send(self, status: int, body: str | bytes, media: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for name, value in {"Content-Type": media, "Content-Length": str(len(data)),
                            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
                            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                            **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _refuse(self, status: HTTPStatus, why: str) -> None:
        self._send(status, f"{status.value} {status.phrase}: {why}\n", "text/plain; charset=utf-8")

    def _route(self) -> list[str] | None:
        """The path after the token, or None (refused) when the token, Host or Origin is wrong."""
        parts = urlsplit(self.path).path.split("/")
        token_ok = len(parts) > 2 and hmac.compare_digest(parts[1].encode(), self.site.token.encode())
        same_site = self.headers.get("Host") == self.origin.removeprefix("http://") and \
            self.headers.get("Origin", self.origin) == self.origin
        if not (token_ok and same_site):
            self._refuse(HTTPStatus.NOT_FOUND, "no such page")
            return None
        return [unquote(p) for p in parts[2:]]

    def _point(self, rest: list[str]) -> PointView | None:
        if len(rest) == 2 and rest[0] == "review" and rest[1].endswith(".html"):
            try:
                return self.site.view(rest[1].removesuffix(".html"))
            except KeyError:
                pass
        self._refuse(HTTPStatus.NOT_FOUND, "no such page")
        return None

    def do_GET(self) -> None:
        rest = self._route()
        if rest is None:
            return
        if rest in (["review", ""], ["review", "index.html"]):
            self._send(HTTPStatus.OK, self.site.index())
        elif (name := self._submission_of(rest)) is not None:
            self._submission(name)
        elif (view := self._point(rest)) is not None:
            saved = parse_qs(urlsplit(self.path).query).get("saved", [""])[-1]
            applied = " and applied them." if self.site.apply else "."
            notice = f"Saved {saved} score(s) to {OVERRIDES}{applied}"
            self._send(HTTPStatus.OK, self.site.page(view, notice if saved else ""))

    def _submission_of(self, rest: list[str]) -> str | None:
        """The student named by a submission's address: submission/PSEUDONYM when anonymous (no
        id in any address), else ID/submission.html."""
        if len(rest) != 2:
            return None
        if self.site.anonymous:
            return rest[1] if rest[0] == "submission" else None
        return rest[0] if rest[1] == "submission.html" else None

    def _submission(self, name: str) -> None:
        path = self.site.submission(name)
        if path is None:
            self._refuse(HTTPStatus.NOT_FOUND, "no executed notebook for this student")
            return
        page = path.read_text(encoding="utf-8", errors="replace")
        if self.site.anonymous:
            page = anonymised(page, name)
        self._send(HTTPStatus.OK, page, headers={"Content-Security-Policy": _SUBMISSION_CSP})

    def do_POST(self) -> None:
        rest = self._route()
        form = self._form() if rest is not None else None
        if rest is None or form is None or (view := self._point(rest)) is None:
            return
        try:
            saving = self.site.save(view.point.slug, form)
        except SheetError as exc:
            self._send(HTTPStatus.UNPROCESSABLE_ENTITY, self.site.page(posted(view, form), problem=str(exc)))
            return
        if saving.conflicts:  # the page as it is now, the newer scores in its boxes
            notice = f"Saved {len(saving.rows)} other score(s) to {OVERRIDES}." if saving.rows else ""
            self._send(HTTPStatus.CONFLICT, self.site.page(self.site.view(view.point.slug), notice,
                                                            refusal(saving)))
            return
        self.send_response(HTTPStatus.SEE_OTHER)
        self.send_header("Location",
                         f"/{self.site.token}/review/{view.point.slug}.html?saved={len(saving.rows)}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _form(self) -> Form | None:
        """The urlencoded body, bounded, with this server's token in it; None: refused."""
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                         f"a form of at most {MAX_BODY} bytes, with its length")
            return None
        try:
            fields = parse_qs(self.rfile.read(int(length)).decode(), keep_blank_values=True,
                              max_num_fields=MAX_FIELDS)
        except (UnicodeDecodeError, ValueError):
            self._refuse(HTTPStatus.BAD_REQUEST, "not a form this page sent")
            return None
        form = {k: v[-1] for k, v in fields.items()}
        if not hmac.compare_digest(form.get("token", "").encode(), self.site.token.encode()):
            self._refuse(HTTPStatus.FORBIDDEN, "this form was not sent by this review page: reload it")
            return None
        return form


def anonymised(page: str, name: str) -> str:
    """A submission.html without the name of the student's file (often the student's name): its
    title and heading, the grader's text before any of the student's, show the pseudonym."""
    shown = escape(name)
    page = _TITLE.sub(lambda _: f"<title>{shown} as it ran</title>", page, count=1)
    return _HEADING.sub(lambda m: f"{m[1]}{shown}{m[2]}", page, count=1)


def review_server(site: ReviewSite, host: str = "127.0.0.1", port: int = 0) -> tuple[HTTPServer, str]:
    """The server (not started) and the address of its index page. Loopback addresses only."""
    address = ipaddress.ip_address(host)
    if not address.is_loopback:
        raise ValueError(f"{host} is not a loopback address: the review server only listens on this machine")
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET  # ::1 too
    server_class = type("Server", (ThreadingHTTPServer,), {"address_family": family})
    server: HTTPServer = server_class((host, port), type("Handler", (_Handler,), {"site": site}))
    bound = f"[{host}]" if ":" in host else host
    origin = f"http://{bound}:{server.server_address[1]}"
    server.RequestHandlerClass.origin = origin  # type: ignore[attr-defined]
    return server, f"{origin}/{site.token}/review/index.html"
