"""The pages without a browser: the Secure flag behind HTTPS, sign-in errors as pages, headers."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from grader.sandbox.process import ProcessRunner
from grader.service import admin
from grader.service.app import create_app
from grader.service.state import open_service
from tests.service.conftest import offer, write_course


def test_secure_cookies_and_a_sign_in_page_instead_of_json(tmp_path: Path) -> None:
    course = write_course(tmp_path / "course", [offer()])
    url = admin.database_url(course, None, None)
    links = admin.import_roster(course, course / "roster.csv", course / "links.csv", "http://x", url)
    secret = links.imported.links[0][1]
    svc = open_service(course, lambda sheet: ProcessRunner(sheet.spec.limits), workers=1)
    client = TestClient(create_app(svc, secure_cookies=True), base_url="https://testserver")  # no lifespan
    anonymous = client.get("/sheets/inf264-ex4")
    assert anonymous.status_code == 401 and "personal link" in anonymous.text
    assert anonymous.headers["content-type"].startswith("text/html")
    assert client.get("/login?token=wrong", follow_redirects=False).status_code == 401
    landing = client.get(f"/login?token={secret}", follow_redirects=False)
    cookie = landing.headers["set-cookie"].lower()
    assert landing.headers["location"] == "/" and "secure" in cookie and "httponly" in cookie
    api = client.get("/api/me")
    assert api.headers["x-content-type-options"] == "nosniff" and "script-src" not in api.headers[
        "content-security-policy"]
    assert client.get("/static/pages.js").headers["content-type"].startswith("text/javascript")
    signed_out = client.get("/signed-out")  # where Sign out lands: a page, not an error
    assert signed_out.status_code == 200 and "<h1>Signed out</h1>" in signed_out.text
    assert "Error 200" not in signed_out.text
