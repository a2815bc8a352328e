"""Unhandled errors still answer in the one error shape, with the security headers."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from medcite.cli.corpus import demo_path, run_ingest
from medcite.engine import Engine
from medcite.settings import Settings
from medcite.web.app import create_app
from medcite.web.settings import WebSettings


def test_unhandled_error_is_a_json_500_with_security_headers(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    engine = Engine(settings)
    run_ingest(engine, [str(next((demo_path() / "medquad").rglob("*.xml*")))], quiet=True)
    app = create_app(WebSettings(settings=settings), engine=engine)

    @app.get("/api/v1/boom")  # a route of the test's own, standing for any bug
    def boom() -> None:
        raise RuntimeError("secret internals")

    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/api/v1/boom")
    assert r.status_code == 500
    assert r.json() == {"error": {"status": 500, "code": "internal_error",
                                  "message": "internal error; the server log has the details"}}
    assert "secret internals" not in r.text
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_integers_beyond_sqlite_are_a_4xx_never_a_500(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    engine = Engine(settings)
    run_ingest(engine, [str(next((demo_path() / "medquad").rglob("*.xml*")))], quiet=True)
    client = TestClient(create_app(WebSettings(settings=settings), engine=engine), raise_server_exceptions=False)
    huge = "99999999999999999999"
    r = client.post("/api/v1/ask", json={"question": "What is it about?", "audience": "clinician"})
    slug = r.json().get("slug", "no-such-article")
    for url in (f"/api/v1/articles?offset={huge}", f"/api/v1/articles?limit={huge}",
                f"/api/v1/articles/{slug}/versions/{huge}", f"/api/v1/articles/{slug}/diff?a=1&b={huge}",
                f"/articles/{slug}/diff?a=1&b={huge}", f"/articles/{slug}?version={huge}",
                f"/documents/x?start=0&end={huge}", "/api/v1/articles?offset=-1"):
        r = client.get(url)
        assert 400 <= r.status_code < 500, (url, r.status_code, r.text[:200])
