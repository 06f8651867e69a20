"""Every table fits the screen and never cuts a number (issue 13, item 4).

The tables (`usage` and its --by variants, `sessions list`, `sessions search`, `models`) are
printed through the real CLI with ``COLUMNS`` at 40, 60, 80, 110 and 140: every line fits,
the cost and the totals are always there, and every number shown is whole (or honestly
abbreviated, ``12.3k``), never ``9,…`` or ``$0.0``.
"""

from __future__ import annotations

import re

import pytest
from sessions_store import add_request, make_session, save

from appam_cli.render.columns import Column, fit, short_count

WIDTHS = (40, 60, 80, 110, 140)
CUT_NUMBER = re.compile(r"(?<![\w-])[\d$][\d,.]*…|…[\d$]")  # a figure cut with an ellipsis


def lines_of(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def assert_fits(text: str, width: int) -> None:
    for line in lines_of(text):
        assert len(line) <= width, f"{len(line)} > {width}: {line!r}\n{text}"
        assert not CUT_NUMBER.search(line), f"a number cut short: {line!r}\n{text}"


def header_line(text: str, first: str) -> str:
    return next(line for line in lines_of(text) if line.startswith(first))


# -- the layout rules -------------------------------------------------------------------------


def test_short_count_is_rounded_and_marked_never_cut():
    assert [short_count(n) for n in (0, 999, 1000, 12_345, 99_949, 99_960, 603_000, 999_600, 1_234_567,
                                      56_500_000, 3_400_000_000)] == [
        "0", "999", "1k", "12.3k", "99.9k", "100k", "603k", "1M", "1.2M", "56.5M", "3.4B"]


def table(width: int, *columns: Column):
    return fit(list(columns), width)


def test_fit_drops_the_highest_drop_first_and_never_the_kept_ones():
    label = Column("label", ["a long label that can give way"], flex=True, min_width=6, preferred=10)
    cost = Column("cost", ["$123.4567"], justify="right")
    a = Column("aaaaaaaaaa", ["1"], drop=1)
    b = Column("bbbbbbbbbb", ["2"], drop=2)
    fitted = table(35, label, a, b, cost)
    assert [c.header for c in fitted.columns] == ["label", "aaaaaaaaaa", "cost"]
    assert fitted.left_out == ["bbbbbbbbbb"] and fitted.total_width <= 35
    # far too narrow: everything that may leave has left, the cost is whole
    fitted = table(12, label, a, b, cost)
    assert [c.header for c in fitted.columns] == ["label", "cost"]
    assert [c.width for c in fitted.columns] == [6, 9]


def test_fit_abbreviates_numbers_before_dropping_columns_and_takes_it_back_when_there_is_room():
    big = Column("tokens", ["12,345,678"], justify="right", drop=1, short=["12.3M"])
    cost = Column("cost", ["$1.00"], justify="right")
    fitted = table(14, big, cost)
    assert [c.header for c in fitted.columns] == ["tokens", "cost"]
    assert big.shown_cells() == ["12.3M"]
    fitted = table(40, big, cost)
    assert big.shown_cells() == ["12,345,678"]


def test_text_gives_way_to_the_width_numbers_keep_theirs():
    title = Column("title", ["x" * 70], flex=True, min_width=8, preferred=20, max_width=60)
    cost = Column("cost", ["$0.000012"], justify="right")
    fitted = table(50, title, cost)
    assert [c.width for c in fitted.columns] == [50 - 2 - 9, 9]
    fitted = table(200, title, cost)
    assert fitted.columns[0].width == 60  # its own maximum


# -- the real tables, through the CLI ---------------------------------------------------------


@pytest.fixture
def store(offline_cli):
    home = offline_cli.home
    save(
        home,
        make_session("why is the sky blue and what makes sunsets so red in the evening?", tokens=(1_234_567, 89_012),
                     cost=12.3456, model="anthropic/claude-sonnet-4-5-20250929"),
        make_session("a short one", tokens=(9_999, 1), cost=0.000012, agent="coder", status="interrupted"),
        make_session("local model", tokens=(50, 5), cost=None, model="openai/local"),
    )
    add_request(home, "2026-03-01 12:00", model="gpt-4o-mini", cost=0.5, tokens=(2_000_000, 300_000),
                cache_read=1_500_000, cache_write=20_000, reasoning=70_000)
    add_request(home, "2026-03-02 12:00", model="openai/local", cost=None, tokens=(7, 3), estimated=True)
    return offline_cli


def run(cli, width: int, *args: str) -> str:
    result = cli(*args, env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("by", ["day", "week", "model", "agent", "session"])
def test_usage_tables_fit_and_keep_the_cost(store, width, by):
    out = run(store, width, "usage", "--by", by)
    assert_fits(out, width)
    head = header_line(out, by)
    assert "cost" in head.split()
    assert "unpriced" in head  # some requests have no price: the column that says so stays
    total = header_line(out, "total")
    assert "$12.85" in total  # 12.3456 + 0.5 + 0.000012, whole
    if width >= 110 and by != "session":
        assert "not shown at this width" not in out
        assert "~3,244,623" in total  # every input token counted, in full (one estimated)
    if width <= 60:
        assert "not shown at this width" in out


@pytest.mark.parametrize("width", WIDTHS)
def test_sessions_list_fits_and_keeps_id_title_and_cost(store, width):
    out = run(store, width, "sessions", "list")
    assert_fits(out, width)
    head = header_line(out, "id").split()
    assert head[:2] == ["id", "title"] and "cost" in head
    assert "$12.35" in out and "cost unknown" in out and "$0.000012" in out
    if "tokens" in head:
        assert "1,323,579" in out or "1.3M" in out
    if width >= 140:
        assert {"agent", "model", "msgs", "tokens", "status", "updated"} <= set(head)
        assert "interrupted" in out and "coder" in out


@pytest.mark.parametrize("width", WIDTHS)
def test_models_table_fits_and_keeps_the_prices(offline_cli, width):
    out = run(offline_cli, width, "models", "gpt-4o-mini")
    assert_fits(out, width)
    head = header_line(out, "model").split()
    assert {"input", "output"} <= set(head)
    row = next(line for line in lines_of(out) if line.startswith("gpt-4o-mini "))
    assert "$0.15" in row and "$0.60" in row


@pytest.mark.parametrize("width", WIDTHS)
def test_search_hits_keep_the_date_and_fit(store, width):
    out = run(store, width, "sessions", "search", "sunsets")
    heads = [line for line in lines_of(out) if "#1 user" in line]
    assert heads and all(re.search(r"· \d{4}-\d\d-\d\d \d\d:\d\d$", h) for h in heads), out
    assert all(len(h) <= width for h in heads)


@pytest.mark.parametrize("args", [("sessions", "list"), ("usage", "--by", "session"), ("usage",)])
def test_narrower_than_what_never_leaves_the_lines_run_past_the_edge_figures_stay_whole(store, args):
    out = run(store, 24, *args)
    assert not CUT_NUMBER.search(out), out
    assert "$12.35" in out or "$12.85" in out
    if args[0] == "sessions":
        assert "cost unknown" in out  # not "cost unkn"
        assert all(len(row.split()[0]) == 8 for row in lines_of(out)[1:4])  # whole ids
