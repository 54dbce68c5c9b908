"""What an import found and what it could not fill: printed, and kept in the pack."""

from __future__ import annotations

from collections import Counter

from bot.content.importer.draft import Draft
from bot.content.importer.parse import Guide


def counts_line(guide: Guide) -> str:
    scenario = (
        f"1 scenario ({len(guide.scenario.stages)} stages)" if guide.scenario else "no scenario"
    )
    return f"{len(guide.questions)} open questions, {len(guide.mcqs)} MCQs, {scenario}"


def markdown(source: str, guide: Guide, draft: Draft, repairs: Counter[str]) -> str:
    lines = [
        "# Import report",
        "",
        f"Imported from `{source}` by `drillbot content import`: {counts_line(guide)}.",
        "",
        "Every item is a draft (`draft: true`): the bot never posts it or offers it for "
        "practice. To publish an item, rewrite its text in your own words, review the drafted "
        "rules (`covered_by`, `signals`), fill anything listed below, then delete its "
        "`draft: true` line. `drillbot content check --drafts PACK` checks what is left.",
        "",
        "## Missing (a required field holds a TODO placeholder until filled)",
        "",
    ]
    lines += [f"- `{g.item}` {g.field}: {g.why}" for g in draft.gaps] or ["- nothing"]
    lines += ["", "## Drafted by a weaker rule (check these)", ""]
    lines += [f"- `{g.item}` {g.field}: {g.why}" for g in draft.notes] or ["- nothing"]
    lines += ["", "## Repairs made to the guide's text", ""]
    lines += [f"- {kind}: {n}" for kind, n in sorted(repairs.items())] or ["- none"]
    lines += ["", "## Items", ""]
    for q in guide.questions:
        lines.append(
            f"- `open/q{q.number}.yml`: {len(q.key_points)} key points, "
            f"{len(q.mistakes)} mistakes, {len(q.follow_ups)} follow-ups"
        )
    for m in guide.mcqs:
        lines.append(f"- `mcq/mcq{m.number}.yml`: {len(m.options)} options, correct {m.correct}")
    if guide.scenario:
        lines.append(
            f"- `incidents/scenario.yml`: {len(guide.scenario.stages)} stages, "
            f"{len(guide.scenario.red_flags)} red flags"
        )
    return "\n".join(lines) + "\n"


def summary(out: str, guide: Guide, draft: Draft) -> str:
    lines = [f"drafted {counts_line(guide)} into {out}"]
    if draft.gaps:
        lines.append(f"{len(draft.gaps)} field(s) could not be filled (marked TODO):")
        lines += [f"  {g.item}: {g.field}: {g.why}" for g in draft.gaps]
    lines.append(f"see {out}/IMPORT-REPORT.md; check with: drillbot content check --drafts {out}")
    return "\n".join(lines)
