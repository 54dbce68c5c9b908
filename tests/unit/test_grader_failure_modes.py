"""Regression tests for the grader's failure modes listed in issue 10, one group per mode.

Each rubric here is small and synthetic so that a test fails only for the mode it names.
"""

from __future__ import annotations

from bot.domain.grading import Grade, grade_points
from bot.domain.items import KeyPoint, Mistake


def point(*rules: str, pid: str = "p") -> KeyPoint:
    return KeyPoint(id=pid, text="A key point.", label="an area", covered_by=list(rules))


def mistake(*rules: str, mid: str = "m") -> Mistake:
    return Mistake(id=mid, text="A wrong claim.", signals=list(rules))


def covered(answer: str, *rules: str, prompt: str = "") -> bool:
    return grade_points(answer, [point(*rules)], [], prompt=prompt).covered == ("p",)


def flagged(answer: str, *rules: str) -> bool:
    return grade_points(answer, [point("unrelated")], [mistake(*rules)]).mistakes == ("m",)


# 1. A negation inside the rule is the rule's own word; negation scope ends with its clause.


def test_a_rule_own_negation_does_not_cancel_its_other_groups() -> None:
    rule = "unhandled rejection + doesn't crash | does not crash | won't crash"
    assert flagged("An unhandled rejection doesn't crash the process, it only warns.", rule)


def test_a_rule_written_with_cannot_matches_cant_and_can_not() -> None:
    rule = "commonjs + cannot require esm"
    assert flagged("CommonJS can't require ESM at all, you need import().", rule)
    assert flagged("In CommonJS you can not require ESM.", rule)


def test_a_negation_after_a_claim_reaches_it_only_through_auxiliaries() -> None:
    rule = "settimeout + always + before setimmediate"
    assert flagged("setTimeout 0 always runs before setImmediate and nothing changes that.", rule)
    assert not flagged("setTimeout 0 always runs before setImmediate is not true.", rule)


def test_a_negation_does_not_reach_across_a_subordinate_clause() -> None:
    rule = "process + crashes"
    assert covered("The process crashes because nobody catches it.", rule)


def test_a_denied_statement_is_still_denied() -> None:
    assert not covered("Kafka is not durable.", "kafka + durable")
    assert not flagged("Don't restart all the pods first.", "restart all pods")


# 2. Soft negations deny only what follows them.


def test_rather_than_and_instead_of_affirm_what_comes_before() -> None:
    assert covered("Use keyset pagination rather than OFFSET.", "keyset pagination")
    assert covered("Page with a cursor instead of OFFSET.", "cursor")
    assert not covered("Use keyset pagination rather than OFFSET.", "offset")


def test_avoid_denies_what_follows_only() -> None:
    assert covered("Yield with setImmediate to avoid starving I/O.", "setimmediate")
    assert not covered("Avoid OFFSET for deep pages.", "offset")


def test_stop_does_not_deny_what_follows_a_conjunction() -> None:
    assert covered("Stop and wait for drain.", "drain")


# 3. Only text copied from the prompt at length is excluded.

PROMPT = (
    "Node.js executes your JavaScript on a single thread, yet one process can serve thousands"
    " of concurrent requests. Explain how the event loop makes that work."
)


def test_a_key_fact_in_the_prompts_words_still_counts() -> None:
    answer = "Your code runs on a single thread; the slow I/O is done elsewhere."
    assert covered(answer, "single thread", prompt=PROMPT)


def test_the_prompt_pasted_back_earns_nothing() -> None:
    assert not covered(PROMPT, "single thread", prompt=PROMPT)


# 4. A rule's groups must stand in one sentence.


def test_groups_from_different_sentences_do_not_make_a_key_point() -> None:
    answer = "Kafka is durable. Redis pub/sub is fire and forget."
    assert not covered(answer, "redis + durable")
    assert covered("Kafka is durable and keeps a log.", "kafka + durable")


def test_a_denied_topic_in_an_earlier_clause_does_not_deny_what_is_said_about_it() -> None:
    assert covered("Don't page with OFFSET, it gets slow on deep pages.", "offset + slow")
    assert not covered("OFFSET isn't slow.", "offset + slow")


# 6. Typo tolerance never joins two distinct technical terms.


def test_a_macrotask_is_not_a_misspelt_microtask() -> None:
    assert not covered("The timer callback is a macrotask.", "microtask")
    assert covered("Promise callbacks are mircotasks.", "microtask")


def test_unready_is_not_a_misspelt_unread() -> None:
    assert not covered("The pod is unready.", "unread")


# 8. A short, plain answer stating one point scores above nothing.


def test_a_short_plain_answer_with_one_point_scores_above_zero() -> None:
    points = [point("access token + short", pid="a"), point("rotate", pid="b")]
    answer = "Keep the access token short."
    assert grade_points(answer, points, []).score > grade_points("Cats purr.", points, []).score


# 9. One truthful number: a lowered score says why.


def test_a_clean_answer_has_no_reason() -> None:
    result = grade_points("The access token is short lived.", [point("access token")], [])
    assert result.score == 1.0
    assert result.reason is None


def test_a_bare_list_says_why_its_score_is_lowered() -> None:
    points = [point("libuv", pid="a"), point("epoll", pid="b")]
    result = grade_points("libuv epoll kqueue iocp", points, [])
    assert result.missed == ()
    assert result.score < 1.0
    assert result.reason is not None and "list" in result.reason
    assert "\n" not in result.reason


def test_a_stated_mistake_says_why_its_score_is_lowered() -> None:
    result: Grade = grade_points(
        "The access token is short lived, and MD5 is fine for passwords.",
        [point("access token")],
        [mistake("md5 + fine")],
    )
    assert result.mistakes == ("m",)
    assert result.score == 0.8
    assert result.reason is not None and "mistake" in result.reason


# Clause connectives: they bound a negation, but they are still words of the answer.


def test_a_rule_quoting_a_connective_still_matches() -> None:
    assert covered("The errors started since the deploy at 09:10.", "since the deploy")
    assert covered("First ask when did it start, then look at the graphs.", "when did it start")


def test_a_terse_sentence_is_not_read_as_a_list_of_terms() -> None:
    # Few stop words, but a statement: "before" and "which" relate its terms.
    sentence = "nextTick callbacks run before promise callbacks, which run before setImmediate."
    result = grade_points(sentence, [point("nexttick + before promise")], [])
    assert result.covered == ("p",)
    assert (result.score, result.reason) == (1.0, None)
    terms = grade_points("nextTick promise setImmediate microtask libuv", [point("nexttick")], [])
    assert terms.score < 0.5 and terms.reason is not None
