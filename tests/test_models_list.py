"""``appam models``: chat models only unless --all, one price format per table, names whole,
through the pager on a terminal."""

from __future__ import annotations

import json
import os
import re
import sys

import pytest
from conftest import APPAM

NOT_CHAT = re.compile(r"(^|[/._:@-])(tts|speech|audio|transcribe|transcription|whisper|realtime|image|embed|embedding)"
                      r"($|[/._:@-])")


def names(result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [row["model"] for row in json.loads(result.stdout) if "alias" not in row]


def test_no_filter_lists_chat_models_only(offline_cli) -> None:
    from appam_cli.providers.prices_data import price_map

    shown = names(offline_cli("models", "--json"))
    entries = price_map()
    assert "gpt-4o-mini" in shown and "claude-sonnet-4-5" in shown and "gemini/gemini-2.5-flash" in shown
    assert {entries[n]["mode"] for n in shown} <= {"chat", "completion", "responses"}
    assert not [n for n in shown if NOT_CHAT.search(n.lower())]
    # litellm's internal entries: no mode or no provider, and the price templates of fine-tunes.
    for internal in ("fallback_generalizations", "fireworks-ai-default", "ft:gpt-4o-mini-2024-07-18"):
        assert internal in entries and internal not in shown
    # Names whose mode says chat but which are speech, realtime or embedding models.
    for odd in ("gemini-2.5-pro-preview-tts", "gemini/lyria-realtime-exp", "vercel_ai_gateway/mistral/mistral-embed"):
        assert entries[odd]["mode"] == "chat" and odd not in shown


def test_all_lists_every_entry(offline_cli, monkeypatch) -> None:
    from appam_cli.providers.prices_data import price_map

    monkeypatch.delenv("COLUMNS", raising=False)  # a pipe: every column
    every = names(offline_cli("models", "--all", "--json"))
    assert sorted(every) == sorted(price_map())
    rows = {row["model"]: row for row in json.loads(offline_cli("models", "--all", "--json").stdout)}
    assert rows["gpt-4o-mini-tts"]["mode"] == "audio_speech" and rows["fallback_generalizations"]["mode"] is None
    table = offline_cli("models", "--all", "tts")
    assert table.exit_code == 0
    line = next(x for x in table.stdout.splitlines() if x.startswith("gpt-4o-mini-tts "))
    assert "audio_speech" in line


def test_a_search_that_only_finds_other_models_points_at_all(offline_cli) -> None:
    result = offline_cli("models", "tts")
    assert result.exit_code == 0
    assert "No chat models matching 'tts'" in result.stdout and "--all shows them" in result.stdout
    assert "gpt-4o-mini-tts" in offline_cli("models", "tts", "--all").stdout


PRICE = re.compile(r"^(-|<?\$\d{1,3}(,\d{3})*\.(\d+))$")


@pytest.mark.parametrize("args", [(), ("gpt-4o",), ("claude",), ("--provider", "groq"), ("--all", "embed")])
def test_every_price_of_a_table_has_the_same_format(offline_cli, monkeypatch, args) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # a pipe: every column
    result = offline_cli("models", *args)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[-6:] == ["input", "output", "cache", "rd", "cache", "wr"]
    decimals = set()
    rows = [line for line in lines[1:] if line and not line.startswith(("No ", " "))][:-1]  # the last is the footer
    assert rows
    for line in rows:
        cells = line.split()[-4:]  # input, output, cache read, cache write
        for cell in cells:
            match = PRICE.match(cell)
            assert match, f"{cell!r} in {line!r}"
            if match.group(3):
                decimals.add(len(match.group(3)))
    assert len(decimals) == 1, decimals  # the same number of decimals in every row
    assert decimals <= {2, 3, 4}


def test_known_prices_are_exact(offline_cli, monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    table = offline_cli("models", "claude-sonnet-4-5", "--provider", "anthropic")
    line = next(x for x in table.stdout.splitlines() if x.startswith("claude-sonnet-4-5 "))
    assert line.split()[-4:] == ["$3.00", "$15.00", "$0.30", "$3.75"]
    mini = offline_cli("models", "gpt-4o-mini-2024", "--provider", "openai")
    row = next(x for x in mini.stdout.splitlines() if x.startswith("gpt-4o-mini-2024-07-18 "))
    assert row.split()[-4:] == ["$0.150", "$0.600", "$0.075", "-"]  # $0.075 sets three decimals for all


@pytest.mark.parametrize("columns", ["200", "60", "20"])
def test_names_are_never_wrapped(offline_cli, monkeypatch, columns) -> None:
    """However narrow the screen, each name is whole on the line of its row."""
    monkeypatch.setenv("COLUMNS", columns)
    longest = "fireworks_ai/accounts/fireworks/models/llama-v3p2-90b-vision-instruct"
    result = offline_cli("models", "vision", "llama")
    assert result.exit_code == 0
    expected = names(offline_cli("models", "vision", "llama", "--json"))
    assert longest in expected
    lines = [line for line in result.stdout.splitlines()[1:-1] if line.strip()]
    # A name too long to sit beside its figures is alone on its line, the figures on the next
    # (indented) one: either way every name starts a line, whole.
    first_words = [line.split()[0] for line in lines if not line.startswith(" ")]
    assert first_words[: len(expected)] == expected
    for line, after in zip(lines, lines[1:] + [""], strict=True):
        if not line.startswith(" ") and len(line.split()) == 1:
            assert after.startswith(" ") and "$" in after, (line, after)
    header = result.stdout.splitlines()[0].split()
    assert header[0] == "model" and "input" in header and "output" in header
    if columns == "20":
        assert "cache" not in header  # the least useful columns go first…
        assert "a wider window shows" in " ".join(result.stdout.split())  # …and the footer (broken between words) says so


def test_a_pipe_gets_every_column(offline_cli, monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    result = offline_cli("models", "gpt-4o-mini")
    assert result.stdout.splitlines()[0].split() == [
        "model", "provider", "context", "max", "out", "input", "output", "cache", "rd", "cache", "wr"
    ]


# -- on a terminal: the pager ---------------------------------------------------------------------

FAKE_PAGER = """
import sys
with open(sys.argv[1], "w") as fh:
    fh.write(sys.stdin.read())
"""


@pytest.mark.e2e
def test_on_a_terminal_the_list_goes_through_the_pager(appam_home, tmp_path) -> None:
    pexpect = pytest.importorskip("pexpect")
    script = tmp_path / "pager.py"
    script.write_text(FAKE_PAGER)
    paged = tmp_path / "paged.txt"
    env = {k: v for k, v in os.environ.items() if k not in ("APPAM_PAGER", "PAGER", "LESS", "COLUMNS")}
    env["APPAM_PAGER"] = f"{sys.executable} {script} {paged}"

    child = pexpect.spawn(APPAM, ["models"], env=env, encoding="utf-8", timeout=60, dimensions=(24, 100))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    text = paged.read_text()
    assert "gpt-4o-mini" in text and "chat models" in text
    assert "gpt-4o-mini" not in child.before  # nothing went around the pager

    paged.unlink()
    child = pexpect.spawn(APPAM, ["models", "--no-pager"], env=env, encoding="utf-8", timeout=60,
                          dimensions=(24, 100), maxread=1 << 20)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "gpt-4o-mini" in child.before
    assert not paged.exists()
