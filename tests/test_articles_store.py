"""Article persistence, the review state machine, tracked edits, the audit log and accounts.

Real SQLite files in tmp_path; articles are plain data shaped like the
render.json contract (the pipeline itself is exercised in test_articles_service).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from medcite.articles import AccountError, Accounts, ArticleDB, ArticleNotFound, EditError, ReviewConflict
from medcite.articles.content import apply_edit, content_hash, diff_articles, validate_citations
from medcite.articles.schema import SCHEMA_VERSION, ArticleSchemaError
from medcite.articles.slug import SLUG_RE, owner_id, private_slug, question_key
from medcite.articles.workflow import InvalidTransition, step_states, transition


def article(question: str = "What is gout?", text: str = "Gout is an inflammatory arthritis.",
            audience: str = "clinician") -> dict[str, Any]:
    return {
        "question": question, "audience": audience, "answerable": True,
        "sections": [{
            "title": "From the Guidelines", "kind": "guidelines", "note": None,
            "statements": [
                {"text": text, "citations": [1], "facet": "definition", "edited": False,
                 "evidence": [{"ref": 1, "doc_id": "ngc:1", "quote": text, "start": 0, "end": len(text)}]},
                {"text": "Urate lowering is advised.", "citations": [1, 2], "facet": "treatment", "edited": False,
                 "evidence": [{"ref": 1, "doc_id": "ngc:1", "quote": "Urate lowering is advised.", "start": 40,
                               "end": 66},
                              {"ref": 2, "doc_id": "pmid:2", "quote": "Urate lowering helped.", "start": 0,
                               "end": 22}]},
            ],
            "subsections": [],
        }],
        "references": [{"n": 1, "doc_id": "ngc:1", "title": "Gout guideline", "source_kind": "guideline"},
                       {"n": 2, "doc_id": "pmid:2", "title": "A trial", "source_kind": "research"}],
        "disclaimer": "Educational.", "follow_up_questions": [], "generated_at": "2025-01-01T00:00:00+00:00",
        "thread_id": "t1",
    }


@pytest.fixture()
def db(tmp_path: Path) -> ArticleDB:
    return ArticleDB(tmp_path / "articles.sqlite")


def test_schema_version_and_newer_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    ArticleDB(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(ArticleSchemaError, match="newer"):
        ArticleDB(path)


def test_reopening_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite"
    ArticleDB(path).create("What is gout?", "clinician", article(), actor="t")
    again = ArticleDB(path)
    assert again.find("what is GOUT") is not None


def test_workflow_transitions() -> None:
    assert transition("submitted", "Under Review") == "under_review"
    assert transition("under_review", "approved") == "approved"
    assert transition("under_review", "changes-requested") == "changes_requested"
    assert transition("changes_requested", "under_review") == "under_review"
    for cur, target in [("submitted", "approved"), ("approved", "approved"), ("changes_requested", "approved")]:
        with pytest.raises(InvalidTransition):
            transition(cur, target)
    with pytest.raises(ValueError, match="unknown status"):
        transition("submitted", "published")
    assert [s for _, s in step_states("approved")] == ["done", "done", "done"]
    assert step_states("changes_requested")[1] == ("Changes requested", "current")


def test_slugs_and_keys() -> None:
    assert question_key("What is GOUT?") == question_key("what is gout") == "what is gout"
    assert question_key("what is gout", 3) != question_key("what is gout")
    slugs = {private_slug() for _ in range(100)}
    assert len(slugs) == 100 and all(SLUG_RE.match(s) for s in slugs)


def test_create_find_and_unique_slug(db: ArticleDB) -> None:
    a, v, created = db.create("What is gout?", "clinician", article(), actor="alice")
    assert created and v.version == 1 and v.status == "submitted"
    assert "gout" not in a.slug  # the URL is a private link: no question text in it
    assert db.find("  what is gout ") == a
    b, _, _ = db.create("What is gout!!", "clinician", article(), actor="alice", parent_id=a.id)
    assert b.slug != a.slug and b.parent_id == a.id
    # The same question again loses the race gracefully: the stored row comes back.
    again, var, created2 = db.create("what is gout", "clinician", article(), actor="bob")
    assert not created2 and again.id == a.id and var.id == v.id
    with pytest.raises(ArticleNotFound):
        db.get("nope")


def test_questions_are_private_to_their_asker_until_published(db: ArticleDB) -> None:
    ann, bob = owner_id("browser", "ann-token"), owner_id("browser", "bob-token")
    a, va, _ = db.create("What is gout?", "clinician", article(), actor="anon", owner=ann)
    assert db.find("what is gout", owner=ann) == a
    # Bob asking the same words does not get Ann's article (nor learn its link).
    assert db.find("what is gout", owner=bob) is None and db.find("what is gout") is None
    b, _, created = db.create("What is gout?", "clinician", article(), actor="anon", owner=bob)
    assert created and b.id != a.id
    assert [x.id for x in db.owned(ann)] == [a.id] and [x.id for x in db.owned(bob)] == [b.id]
    assert not db.is_published(a.id)
    db.review(va.id, "under_review", actor="rita")
    db.review(va.id, "approved", actor="rita")
    assert db.is_published(a.id)
    # Once published, a newcomer asking it gets the published article; Bob keeps his own.
    carl = owner_id("browser", "carl-token")
    assert db.find("what is GOUT", owner=carl) == a
    assert db.find("what is gout", owner=bob) == b
    # The audit log records the ask, not the question text.
    assert all("gout" not in str(e.after).lower() for e in db.audit_log(obj_prefix=f"article:{a.slug}"))


def test_review_flow_records_reviewer_and_date(db: ArticleDB) -> None:
    a, v, _ = db.create("What is gout?", "clinician", article(), actor="anon")
    with pytest.raises(ReviewConflict):
        db.review(v.id, "approved", actor="rita")
    v = db.review(v.id, "under_review", actor="rita")
    assert v.status == "under_review" and v.approved_at is None
    v = db.review(v.id, "approved", actor="rita", comment="Checked every quote.")
    assert v.status == "approved" and v.reviewer == "rita" and v.approved_at
    assert [c.body for c in db.comments(v.id)] == ["Checked every quote."]
    assert [s.status for s in db.list_articles(status="approved")] == ["approved"]
    # A new version starts at submitted again and the old one can no longer be reviewed.
    v2 = db.new_version(a, "clinician", article(text="Gout is crystal arthritis."), actor="rita")
    assert v2.version == 2 and v2.status == "submitted" and v2.reviewer is None
    with pytest.raises(ReviewConflict, match="not the current version"):
        db.review(v.id, "under_review", actor="rita")
    assert db.list_articles()[0].version == 2


def test_variants_are_reviewed_separately(db: ArticleDB) -> None:
    a, v, _ = db.create("What is gout?", "clinician", article(), actor="anon")
    p = db.add_variant(a, 1, "patient", article(audience="patient"), actor="anon")
    assert p.version == 1 and p.audience == "patient" and p.status == "submitted"
    db.review(v.id, "under_review", actor="rita")
    assert db.variant(a.id, 1, "patient").status == "submitted"  # type: ignore[union-attr]
    # first writer wins: adding the same variant again returns the stored one
    assert db.add_variant(a, 1, "patient", article(text="other"), actor="x").id == p.id


def test_tracked_edit_keeps_citations_valid(db: ArticleDB) -> None:
    _, v, _ = db.create("What is gout?", "clinician", article(), actor="anon")
    with pytest.raises(EditError, match="not evidence"):
        db.edit_statement(v.id, "0", 0, "Gout is arthritis.", actor="rita", citations=[2])
    with pytest.raises(EditError, match="no statement"):
        db.edit_statement(v.id, "0", 9, "x", actor="rita")
    with pytest.raises(EditError, match="at least one citation"):
        db.edit_statement(v.id, "0", 1, "Urate lowering.", actor="rita", citations=[])
    v = db.edit_statement(v.id, "0", 1, "Urate-lowering therapy is advised.", actor="rita", citations=[1])
    st = v.content["sections"][0]["statements"][1]
    assert st["text"] == "Urate-lowering therapy is advised." and st["edited"] and st["citations"] == [1]
    assert st["evidence"][0]["quote"] == "Urate lowering is advised."  # the source quote is kept
    assert not validate_citations(v.content)
    assert [(e.before, e.after) for e in db.edits(v.id)] == [
        ("Urate lowering is advised.", "Urate-lowering therapy is advised.")]
    # The hash stays the generator's, so regenerating the same text keeps the edit.
    assert v.content_hash == content_hash(article())
    db.review(v.id, "under_review", actor="rita")
    db.review(v.id, "approved", actor="rita")
    with pytest.raises(ReviewConflict, match="cannot be edited"):
        db.edit_statement(v.id, "0", 0, "late change", actor="rita")


def test_audit_log_is_append_only_with_before_and_after(db: ArticleDB) -> None:
    a, v, _ = db.create("What is gout?", "clinician", article(), actor="anon")
    db.review(v.id, "under_review", actor="rita")
    db.edit_statement(v.id, "0", 0, "Gout is a form of arthritis.", actor="rita")
    log = db.audit_log(obj_prefix=f"article:{a.slug}")
    assert [e.action for e in log] == ["edit-statement", "review", "create"]
    edit = log[0]
    assert edit.actor == "rita" and edit.before["text"] == "Gout is an inflammatory arthritis."
    assert edit.after["text"] == "Gout is a form of arthritis." and edit.at
    assert log[1].before == {"status": "submitted"} and log[1].after["status"] == "under_review"
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute("UPDATE audit SET actor = 'mallory'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute("DELETE FROM audit")


def test_comment_on_statement_must_exist(db: ArticleDB) -> None:
    _, v, _ = db.create("What is gout?", "clinician", article(), actor="anon")
    c = db.comment(v.id, "Source 2 is a small trial.", actor="rita", section="0", statement=1)
    assert (c.section, c.statement, c.author) == ("0", 1, "rita")
    with pytest.raises(EditError):
        db.comment(v.id, "x", actor="rita", section="3", statement=0)


def test_search_uses_bound_parameters(db: ArticleDB) -> None:
    db.create("What is gout?", "clinician", article(), actor="anon")
    db.create("What is 100% of it_x?", "clinician", article(), actor="anon")
    assert [r.question for r in db.list_articles(q="100%")] == ["What is 100% of it_x?"]
    assert [r.question for r in db.list_articles(q="it_x")] == ["What is 100% of it_x?"]
    assert db.list_articles(q="' OR 1=1 --") == []


def test_diff_between_versions() -> None:
    old, new = article(), article(text="Gout is crystal arthritis.")
    ops = [(d.op, d.text) for d in diff_articles(old, new)]
    assert ("delete", "From the Guidelines: Gout is an inflammatory arthritis. [1]") in ops
    assert ("insert", "From the Guidelines: Gout is crystal arthritis. [1]") in ops
    assert all(d.op == "equal" for d in diff_articles(old, old))


def test_apply_edit_is_pure() -> None:
    a = article()
    new, before, after = apply_edit(a, "0", 0, "  Gout   is   arthritis. ")
    assert a["sections"][0]["statements"][0]["text"] == "Gout is an inflammatory arthritis."
    assert after["text"] == "Gout is arthritis." and before["text"] != after["text"] and new is not a


def test_accounts_passwords_tokens_sessions(db: ArticleDB) -> None:
    from datetime import timedelta

    acc = Accounts(db)
    assert not acc.has_admin()
    acc.add_user("rita", "reviewer", "correct horse")
    acc.add_user("root", "admin", "battery staple")
    assert acc.has_admin()
    with pytest.raises(AccountError, match="exists"):
        acc.add_user("rita", "reader", "whatever123")
    with pytest.raises(AccountError, match="at least"):
        acc.add_user("bob", "reader", "short")
    with pytest.raises(AccountError, match="role"):
        acc.add_user("bob", "owner", "longenough")
    stored = db.conn.execute("SELECT password_hash FROM users WHERE name='rita'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert acc.authenticate("rita", "correct horse") is not None
    assert acc.authenticate("rita", "wrong") is None
    assert acc.authenticate("nobody", "correct horse") is None
    token = acc.new_token("rita")
    assert acc.user_for_token(token).name == "rita"  # type: ignore[union-attr]
    assert acc.user_for_token(token + "x") is None
    assert db.conn.execute("SELECT count(*) FROM tokens WHERE token_hash = ?", (token,)).fetchone()[0] == 0
    user = acc.get("rita")
    assert user is not None
    sid = acc.new_session(user, timedelta(hours=1))
    assert acc.user_for_session(sid) == user
    acc.end_session(sid)
    assert acc.user_for_session(sid) is None
    expired = acc.new_session(user, timedelta(seconds=-1))
    assert acc.user_for_session(expired) is None
