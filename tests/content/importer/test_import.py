"""`drillbot content import` drafts a pack from a guide, repairing copy-paste damage on the way.

The guides under ``guides/`` are ours, written in the layout of the seed guide; the seed guide
itself never appears in tests (see tests/content/seed/README.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.content.importer import GuideError, import_guide
from bot.content.loader import load_library, load_packs
from bot.domain.items import OpenQuestion, parse_rule
from bot.domain.rotation import eligible

GUIDES = Path(__file__).parent / "guides"


def files(name: str) -> dict[str, dict[str, Any]]:
    return import_guide(GUIDES / name).draft.files


def without_rules(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in p.items() if k not in ("covered_by", "signals")} for p in points]


def test_clean_guide_open_questions() -> None:
    imported = import_guide(GUIDES / "clean.txt")
    assert imported.draft.manifest["name"] == "clean"
    assert imported.draft.manifest["topics"] == {
        "caching-fundamentals": "Caching Fundamentals",
        "connection-pooling": "Advanced Databases: Connection Pooling",
    }
    assert imported.draft.manifest["levels"] == ["intern", "junior", "mid", "senior", "staff"]
    q1 = imported.draft.files["open/q1.yml"]
    assert {k: v for k, v in q1.items() if k not in ("key_points", "mistakes", "notes")} == {
        "kind": "open",
        "id": "clean-q1",
        "draft": True,
        "topic": "caching-fundamentals",
        "level": "junior",
        "origin": "guide:q1",
        "title": "What does an HTTP cache do with the Cache-Control header?",
        "prompt": "What does an HTTP cache do with the Cache-Control header? Explain max-age and "
        "no-store.",
        "model_answer": "A cache keeps a copy of a response and reuses it while the response is "
        "fresh.\nmax-age says how many seconds the copy stays fresh; no-store forbids keeping "
        "it at all.",
        "follow_ups": ["How does an ETag help revalidation?"],
    }
    assert without_rules(q1["key_points"]) == [
        {
            "id": "freshness-lifetime-comes",
            "label": "freshness lifetime comes",
            "text": "Freshness lifetime comes from max-age in seconds.",
        },
        {
            "id": "store-directive-forbids",
            "label": "store directive forbids",
            "text": "The no-store directive forbids any cache from keeping the response.",
        },
    ]
    assert without_rules(q1["mistakes"]) == [
        {
            "id": "believing-cache-means-response",
            "text": "Believing that no-cache means the response is never stored.",
        }
    ]
    q2 = imported.draft.files["open/q2.yml"]
    assert (q2["topic"], q2["level"], q2["origin"]) == ("connection-pooling", "senior", "guide:q2")
    assert [m["text"] for m in q2["mistakes"]] == [
        "Setting the pool size far above the database connection limit.",
        "Not releasing connections after an error.",
    ]
    assert q2["follow_ups"] == [
        "What happens when every connection in the pool is busy?",
        "How would you detect a connection leak?",
    ]


def test_clean_guide_mcqs() -> None:
    found = files("clean.txt")
    mcq1 = found["mcq/mcq1.yml"]
    assert {k: v for k, v in mcq1.items() if k != "notes"} == {
        "kind": "mcq",
        "id": "clean-mcq1",
        "draft": True,
        "topic": "caching-fundamentals",
        "level": "mid",
        "origin": "guide:mcq1",
        "stem": "Which directive stops every cache from storing a response?",
        "options": [
            {
                "key": "A",
                "text": "no-cache",
                "explanation": "no-cache allows storing but demands revalidation before reuse.",
            },
            {
                "key": "B",
                "text": "no-store",
                "correct": True,
                "explanation": "no-store forbids storing the response anywhere.",
            },
            {
                "key": "C",
                "text": "max-age=0",
                "explanation": (
                    "max-age=0 makes the copy stale at once, yet it may still be stored."
                ),
            },
            {
                "key": "D",
                "text": "private",
                "explanation": "private keeps shared caches out but lets the browser store it.",
            },
        ],
    }
    general = (
        "The server refuses connections beyond its limit, so pools across replicas must fit "
        "under it."
    )
    mcq2 = found["mcq/mcq2.yml"]
    assert mcq2["topic"] == "connection-pooling"
    assert [(o["key"], o.get("correct", False), o["explanation"]) for o in mcq2["options"]] == [
        ("A", False, f"Not the best answer; B is. {general}"),
        ("B", True, general),
        ("C", False, f"Not the best answer; B is. {general}"),
    ]


def test_clean_guide_scenario() -> None:
    incident = files("clean.txt")["incidents/scenario.yml"]
    assert (incident["id"], incident["level"], incident["origin"], incident["title"]) == (
        "incident-clean",
        "staff",
        "guide:scenario",
        "Slow Checkout Requests",
    )
    assert incident["setup"] == {
        "role": "You are a Staff Backend Engineer at a ticket shop.",
        "system": "The checkout service runs on three pods and talks to one PostgreSQL primary.",
        "alert": "Checkout P95 latency above 3 s for 10 minutes.",
    }
    assert incident["opening"] == "Checkout is slow. Where do you start?"
    stages = incident["stages"]
    assert [(s["id"], s["title"], s["prompt"], s.get("reveal")) for s in stages] == [
        (
            "first-look",
            "First Look",
            "What do you check first?",
            "The pool shows requests waiting for a connection.",
        ),
        ("post-mortem", "Post-Mortem", "The fix is out. What happens next?", None),
    ]
    assert [p["text"] for p in stages[0]["rubric"]] == [
        "I confirm the alert on the latency dashboard and check what changed recently.",
        "I also look at the database connection pool metrics for waiting requests.",
    ]
    assert stages[0]["strong_answer"].startswith("I confirm the alert on the latency dashboard")
    assert [f["text"] for f in incident["red_flags"]] == [
        "Restarting the database before looking at any metrics.",
        "Blaming the network without any evidence at all.",
    ]
    assert incident["debrief"] == [
        "Record the timeline and impact of the outage.",
        "Add an alert on pool wait time for the checkout service.",
    ]


def test_drafted_rules_use_the_points_own_words() -> None:
    q2 = files("clean.txt")["open/q2.yml"]
    assert q2["key_points"][0]["covered_by"] == [
        "open connections",
        "connections | handshake + open | reusing",
        "connections",
        "handshake",
    ]
    # A stated wrong claim needs three of its words; an omission needs the answer to say so.
    assert q2["mistakes"][0]["signals"] == [
        "connection + database + setting",
        "connection + database + size",
    ]
    assert q2["mistakes"][1]["signals"][0].startswith("without connections releasing |")
    for item in files("clean.txt").values():
        for point in item.get("key_points", []):
            for rule in point["covered_by"]:
                parse_rule(rule)


def test_inline_code_run_into_words() -> None:
    q1 = files("inline-code.txt")["open/q1.yml"]
    assert [p["text"] for p in q1["key_points"]] == [
        "Callbacks from setImmediate() run in the check phase.",
        "Inside an I/O callback, setImmediate runs before setTimeout(fn, 0).",
    ]
    assert [m["text"] for m in q1["mistakes"]] == [
        "Assuming setTimeout(fn, 0) always runs before setImmediate(fn).",
    ]
    assert q1["follow_ups"] == ["Where does process.nextTick() fit in?"]


def test_list_items_glued_on_one_line() -> None:
    q1 = files("glued-lists.txt")["open/q1.yml"]
    assert [p["text"] for p in q1["key_points"]] == [
        "The producer does not wait for the consumer.",
        "Bursts are absorbed by the queue.",
        "Consumers can scale on their own.",
    ]
    assert [m["text"] for m in q1["mistakes"]] == [
        "Assuming every message arrives exactly once.",
        "Ignoring poison messages that fail forever.",
    ]
    assert q1["follow_ups"] == [
        "What is a dead-letter queue?",
        "How do you make a consumer idempotent?",
    ]


def test_mcq_options_glued_on_the_stem_line() -> None:
    mcq = files("glued-options.txt")["mcq/mcq1.yml"]
    assert mcq["stem"] == "Which HTTP status says the client must authenticate first?"
    assert [(o["key"], o["text"], o.get("correct", False)) for o in mcq["options"]] == [
        ("A", "400 Bad Request", False),
        ("B", "401 Unauthorized", True),
        ("C", "403 Forbidden", False),
        ("D", "404 Not Found", False),
    ]
    assert mcq["options"][2]["explanation"] == (
        "403 refuses a client whose identity is already known."
    )


def test_markdown_emphasis_and_code_marks() -> None:
    mcq = files("markdown-emphasis.txt")["mcq/mcq1.yml"]
    assert mcq["stem"] == "Which Array method returns a new array without changing the original?"
    assert [(o["text"], o.get("correct", False), o["explanation"]) for o in mcq["options"]] == [
        ("push", False, "push appends in place and returns the new length."),
        ("map", True, "map builds a new array from the callback's results."),
        ("splice", False, "splice removes or inserts items in place."),
        ("sort", False, "sort reorders the array in place."),
    ]


def test_crlf_and_smart_quotes_import_like_the_clean_guide(tmp_path: Path) -> None:
    text = (GUIDES / "clean.txt").read_text(encoding="utf-8")
    damaged = text.replace("'", "\u2019").replace('"', "\u201c", 1).replace("\n", "\r\n")
    path = tmp_path / "clean.txt"
    path.write_bytes(damaged.encode("utf-8"))
    imported = import_guide(path)
    assert imported.draft.files == files("clean.txt")
    assert imported.repaired.counts["line endings"] == 1
    assert imported.repaired.counts["smart quotes and special spaces"] > 0


def test_markdown_guide_with_headings_and_bold_labels() -> None:
    imported = import_guide(GUIDES / "markdown.md")
    assert imported.draft.manifest["topics"] == {
        "observability-basics": "Observability Basics",
        "alerting": "Alerting",
    }
    q1, q2 = imported.draft.files["open/q1.yml"], imported.draft.files["open/q2.yml"]
    assert (q1["topic"], q1["level"]) == ("observability-basics", "junior")
    assert q1["prompt"] == "What are the three pillars of observability?"
    assert q1["model_answer"] == (
        "Logs record discrete events, metrics count and measure over time, and traces follow "
        "one request across services."
    )
    assert [p["text"] for p in q1["key_points"]] == [
        "Logs record discrete events with context.",
        "Metrics are numbers aggregated over time.",
        "Traces follow a single request across services.",
    ]
    assert [m["text"] for m in q1["mistakes"]] == [
        "Believing that logs alone are enough to find slow requests."
    ]
    assert q1["follow_ups"] == ["How would you sample traces in a busy system?"]
    # "Level: senior" inside the block is the guide stating the level, not part of the answer.
    assert (q2["level"], q2["model_answer"]) == (
        "senior",
        "It signals user-visible harm that needs a human now.",
    )


def test_missing_parts_are_listed_and_hold_placeholders() -> None:
    imported = import_guide(GUIDES / "missing-parts.txt")
    gaps = [(g.item, g.field) for g in imported.draft.gaps]
    assert gaps == [
        ("open/q1.yml", "model_answer"),
        ("open/q1.yml", "key_points"),
        ("open/q1.yml", "mistakes"),
        ("open/q1.yml", "follow_ups"),
        ("open/q2.yml", "mistakes"),
        ("open/q2.yml", "follow_ups"),
    ]
    q1 = imported.draft.files["open/q1.yml"]
    assert q1["model_answer"].startswith("TODO")
    assert q1["key_points"][0]["text"].startswith("TODO")


@pytest.mark.parametrize(
    ("guide", "message"),
    [
        ("no-questions.txt", "no questions found: expected lines starting with 'Q:'"),
        ("mcq-no-correct.txt", "line 2: MCQ 1 has no 'Correct Answer: <letter>' line"),
        (
            "mcq-bad-letter.txt",
            "line 6: MCQ 1's correct answer is E, but its options are A, B, C",
        ),
        ("does-not-exist.txt", "does-not-exist.txt: no such file"),
    ],
)
def test_bad_guides_get_a_specific_error(
    guide: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pack"
    code = main(["content", "import", str(GUIDES / guide), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert not out.exists()


def test_empty_and_binary_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(GuideError, match="is empty"):
        import_guide(empty)
    binary = tmp_path / "guide.pdf"
    binary.write_bytes(b"%PDF\x00\x01")
    with pytest.raises(GuideError, match="not a text file"):
        import_guide(binary)
    with pytest.raises(GuideError, match="is a folder"):
        import_guide(tmp_path)


def test_cli_writes_a_pack_that_passes_the_draft_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "caching"
    assert main(["content", "import", str(GUIDES / "clean.txt"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "drafted 2 open questions, 2 MCQs, 1 scenario (2 stages)" in printed
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.*")) == [
        "IMPORT-REPORT.md",
        "incidents/scenario.yml",
        "mcq/mcq1.yml",
        "mcq/mcq2.yml",
        "open/q1.yml",
        "open/q2.yml",
        "pack.yml",
    ]
    assert "# drafted from the text above" in (out / "open/q1.yml").read_text()
    assert main(["content", "check", str(out)]) == 0
    assert "drafts: 5 item(s) await review and are never posted" in capsys.readouterr().out
    assert main(["content", "check", "--drafts", str(out)]) == 0
    assert "drafts: 5 item(s) pass the draft checks" in capsys.readouterr().out


def test_draft_check_refuses_placeholders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gaps"
    assert main(["content", "import", str(GUIDES / "missing-parts.txt"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "6 field(s) could not be filled" in printed
    report = (out / "IMPORT-REPORT.md").read_text()
    assert "- `open/q1.yml` model_answer: no 'A:' answer follows the question" in report
    assert main(["content", "check", str(out)]) == 0
    capsys.readouterr()
    assert main(["content", "check", "--drafts", str(out)]) == 1
    err = capsys.readouterr().err
    assert "missing-parts-q1: model_answer: still a TODO placeholder" in err
    assert "missing-parts-q1: key_points[0].text: still a TODO placeholder" in err


def test_out_into_a_non_empty_folder_needs_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pack"
    (out / "open").mkdir(parents=True)
    (out / "open" / "old.yml").write_text("kept: until --force\n")
    (out / "README.txt").write_text("someone's notes\n")
    args = ["content", "import", str(GUIDES / "glued-lists.txt"), "--out", str(out)]
    assert main(args) == 3
    assert "already holds 2 file(s)" in capsys.readouterr().err
    assert not (out / "pack.yml").exists()
    assert main([*args, "--force"]) == 0
    assert not (out / "open" / "old.yml").exists()
    assert (out / "README.txt").exists()
    assert (out / "open" / "q1.yml").exists()


def test_drafts_are_never_picked_for_posting(tmp_path: Path) -> None:
    out = tmp_path / "drafts"
    assert main(["content", "import", str(GUIDES / "clean.txt"), "--out", str(out)]) == 0
    reviewed = out / "open" / "q1.yml"
    reviewed.write_text(reviewed.read_text().replace("draft: true\n", ""))
    library = load_library([out])
    assert len(library.items) == 5
    assert [q.id for q in library.open_questions()] == ["clean-q1"]
    assert library.mcqs() == [] and library.incidents() == []
    assert len(library.open_questions(drafts=True)) == 2
    assert {i.id for i in library.drafts()} == {
        "clean-q2",
        "clean-mcq1",
        "clean-mcq2",
        "incident-clean",
    }
    everything = library.open_questions(drafts=True) + library.mcqs(drafts=True)
    assert [i.id for i in eligible(everything, library.pack_of, (), (), ())] == ["clean-q1"]
    draft_item = library.get("clean-q2")
    assert isinstance(draft_item, OpenQuestion) and draft_item.draft


def test_shipped_packs_have_no_drafts() -> None:
    result = load_packs()
    assert result.ok
    assert result.library.drafts() == []
