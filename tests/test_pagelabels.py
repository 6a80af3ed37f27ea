"""Printed page labels from running heads and feet: which number is the page's."""

from __future__ import annotations

import pytest

from corpus_tool.ingest.pagelabels import page_labels, roman_value


def fr_heads(first: int, pages: int) -> list[list[str]]:
    head = (
        "Federal Register / Vol. 88, No. 210 / Wednesday, November 1, 2023 / Presidential Documents"
    )
    out = [[str(first)]]
    for i in range(1, pages):
        n = first + i
        out.append([f"{n} {head}" if n % 2 == 0 else f"{head} {n}"])
    return out


def test_federal_register_page_is_the_number_that_rises_not_the_volume_or_date() -> None:
    assert page_labels(fr_heads(75191, 5)) == ("75191", "75192", "75193", "75194", "75195")


def test_older_official_journal_label_kept_as_printed() -> None:
    heads = [
        [f"4.5.2016 EN Official Journal of the European Union L 119/{n}"]
        if n % 2
        else [f"L 119/{n} EN Official Journal of the European Union 4.5.2016"]
        for n in range(35, 39)
    ]
    assert page_labels(heads) == ("L 119/35", "L 119/36", "L 119/37", "L 119/38")


def test_new_official_journal_series_page_of_total() -> None:
    feet = [[f"ELI: http://data.europa.eu/eli/reg/2024/1689/oj {n}/144"] for n in range(1, 5)]
    assert page_labels(feet) == ("1", "2", "3", "4")


def test_state_bill_page_word_and_unnumbered_cover() -> None:
    feet = [["SENATE BILL 24-205"]] + [[f"PAGE {n}-SENATE BILL 24-205"] for n in range(2, 6)]
    assert page_labels(feet) == ("", "2", "3", "4", "5")


def test_no_printed_numbers_gives_empty_labels() -> None:
    heads = [["A report on something"], ["A report on something"], [], ["CP 815"]]
    assert page_labels(heads) == ("", "", "", "")


def test_a_page_whose_number_was_not_read_inside_a_run_is_filled() -> None:
    feet = [["JULY 2023 1"], ["JULY 2023 2"], [], ["JULY 2023 4"], ["JULY 2023 5"]]
    assert page_labels(feet) == ("1", "2", "3", "4", "5")


def test_a_footnote_number_in_the_foot_is_not_a_page_number() -> None:
    # Ten pages numbered in the head; the feet carry footnotes numbered on.
    margins = [[f"Report {n}", f"({3 * n}) See the annex"] for n in range(1, 11)]
    assert page_labels(margins) == tuple(str(n) for n in range(1, 11))


@pytest.mark.parametrize(
    ("text", "value"), [("iv", 4), ("xii", 12), ("ix", 9), ("iiii", None), ("civil", None)]
)
def test_roman_values(text: str, value: int | None) -> None:
    assert roman_value(text) == value
