"""The file built-ins: what they return, the output limit, and the folders they may touch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from appam_cli.tools.builtin import BUILTIN_NAMES, builtin_spec
from appam_cli.tools.spec import ToolContext, ToolError


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def call(
    name: str, folder: Path, *, out_limit: int = 20_000, allowed: tuple[Path, ...] = (), timeout: float = 60.0,
    **arguments,
) -> str:
    context = ToolContext(cwd=folder, allowed_paths=allowed, output_limit=out_limit, timeout=timeout)
    return builtin_spec(name).run(arguments, context)


def refused(name: str, folder: Path, **arguments) -> str:
    with pytest.raises(ToolError) as err:
        call(name, folder, **arguments)
    return err.value.message


def test_side_effects_and_sources() -> None:
    specs = {name: builtin_spec(name) for name in BUILTIN_NAMES}
    assert {n for n, s in specs.items() if not s.side_effects} == {"read_file", "list_dir", "search_files"}
    assert {n for n, s in specs.items() if s.side_effects} == {"write_file", "edit_file", "run_shell"}
    assert {s.source for s in specs.values()} == {"built-in"}
    assert all(s.description and s.parameters["type"] == "object" for s in specs.values())


# -- read_file ---------------------------------------------------------------------------


def test_read_file_whole_and_from_an_offset(work: Path) -> None:
    (work / "a.txt").write_text("one\ntwo\nthree\n")
    assert call("read_file", work, path="a.txt") == "one\ntwo\nthree\n"
    assert call("read_file", work, path="a.txt", offset=2) == "two\nthree\n"
    out = call("read_file", work, path="a.txt", offset=1, limit=2)
    assert out == "one\ntwo\n[showed lines 1-2 of 3 (limit); read on with read_file path='a.txt' offset=3]"
    assert "past the end of a.txt (3 lines)" in refused("read_file", work, path="a.txt", offset=9)
    assert "offset must be 1 or more" in refused("read_file", work, path="a.txt", offset=0)


def test_read_file_cut_at_the_output_limit_says_how_to_read_on(work: Path) -> None:
    lines = [f"line {i:04d} " + "x" * 40 for i in range(1, 1001)]
    (work / "big.txt").write_text("\n".join(lines) + "\n")
    out = call("read_file", work, path="big.txt", out_limit=2000)
    assert len(out) <= 2000
    shown = out.split("\n[showed")[0].splitlines()
    assert shown == lines[: len(shown)] and 10 < len(shown) < 100
    n = len(shown)
    assert f"[showed lines 1-{n} of 1000 (output limit, 2000 characters); read on with read_file path='big.txt' offset={n + 1}]" in out
    follow = call("read_file", work, path="big.txt", out_limit=2000, offset=n + 1)
    assert follow.startswith(lines[n] + "\n")


def test_read_file_one_line_longer_than_the_limit(work: Path) -> None:
    (work / "min.js").write_text("a" * 5000 + "\nnext\n")
    out = call("read_file", work, path="min.js", out_limit=1000)
    assert len(out) <= 1000 and out.startswith("a" * 500)
    assert "[line 1 is longer than the output limit" in out
    assert "offset=2" in out


def test_read_file_bytes_that_are_not_utf8_are_replaced_and_said(work: Path) -> None:
    (work / "latin.txt").write_bytes(b"caf\xe9 ok\n")
    out = call("read_file", work, path="latin.txt")
    assert out.startswith("caf\ufffd ok\n")
    assert "bytes that are not UTF-8 were replaced with U+FFFD" in out


def test_read_file_last_line_without_newline_and_counts(work: Path) -> None:
    (work / "n.txt").write_text("a\nb\nc")
    assert call("read_file", work, path="n.txt") == "a\nb\nc"
    out = call("read_file", work, path="n.txt", limit=1)
    assert out == "a\n[showed lines 1-1 of 3 (limit); read on with read_file path='n.txt' offset=2]"
    assert call("read_file", work, path="n.txt", offset=3) == "c"
    assert "past the end of n.txt (3 lines)" in refused("read_file", work, path="n.txt", offset=4)


def test_pipes_and_devices_are_not_read(work: Path) -> None:
    os.mkfifo(work / "fifo")
    (work / "dev").symlink_to("/dev/zero")
    assert "fifo is not a regular file" in refused("read_file", work, path="fifo")
    assert "fifo is not a regular file" in refused("edit_file", work, path="fifo", old_text="a", new_text="b")
    assert "fifo is not a regular file" in refused("write_file", work, path="fifo", content="a")
    assert "outside" in refused("read_file", work, path="dev")  # /dev is not the working folder
    assert "/dev/zero is not a regular file" in refused("read_file", work, path="dev", allowed=(Path("/dev"),))
    (work / "t.txt").write_text("needle\n")
    hits = call("search_files", work, pattern="needle")  # the fifo is passed over, dev -> /dev/zero said
    assert hits == "t.txt:1: needle\n[files skipped: 1 symlinked outside the allowed folders]"


def test_read_file_refuses_binary_folders_and_missing_files(work: Path) -> None:
    (work / "img.png").write_bytes(b"\x89PNG\x00\x00\x01")
    (work / "sub").mkdir()
    assert "img.png is a binary file (7 bytes)" in refused("read_file", work, path="img.png")
    assert "sub is a folder; use list_dir" in refused("read_file", work, path="sub")
    assert "nope.txt: no such file" in refused("read_file", work, path="nope.txt")
    (work / "empty").write_text("")
    assert call("read_file", work, path="empty") == "(empty is empty)"


# -- paths --------------------------------------------------------------------------------


@pytest.mark.parametrize("tool, extra", [
    ("read_file", {}), ("list_dir", {}), ("search_files", {"pattern": "x"}),
    ("write_file", {"content": "x"}), ("edit_file", {"old_text": "x", "new_text": "y"}),
])
def test_paths_outside_the_working_folder_are_refused(work: Path, tool: str, extra: dict) -> None:
    outside = work.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("x secret\n")
    (work / "link.txt").symlink_to(outside / "secret.txt")
    (work / "linkdir").symlink_to(outside)
    for path in ("../outside/secret.txt", str(outside / "secret.txt"), "link.txt", "linkdir/secret.txt",
                 "linkdir", "sub/../../outside/secret.txt", "/"):
        message = refused(tool, work, path=path, **extra)
        assert "outside the folders file tools may use" in message, (tool, path)
        assert "--allow-path" in message
    assert (outside / "secret.txt").read_text() == "x secret\n"  # nothing was written through a link


def test_symlink_refusal_says_where_it_resolves(work: Path) -> None:
    (work / "link.txt").symlink_to("/etc/hostname")
    assert "(it resolves to /etc/hostname)" in refused("read_file", work, path="link.txt")


def test_allowed_paths_let_a_tool_reach_another_folder(work: Path) -> None:
    other = work.parent / "notes"
    other.mkdir()
    (other / "n.txt").write_text("note\n")
    (work / "link.txt").symlink_to(other / "n.txt")
    assert call("read_file", work, path=str(other / "n.txt"), allowed=(other,)) == "note\n"
    assert call("read_file", work, path="link.txt", allowed=(other,)) == "note\n"
    assert call("read_file", work, path="../notes/n.txt", allowed=(other,)) == "note\n"
    call("write_file", work, path=str(other / "new.txt"), content="hi", allowed=(other,))
    assert (other / "new.txt").read_text() == "hi"
    assert "outside" in refused("read_file", work, path=str(other.parent / "x"))


def test_a_symlink_inside_pointing_inside_is_fine(work: Path) -> None:
    (work / "real.txt").write_text("r\n")
    (work / "alias.txt").symlink_to("real.txt")
    assert call("read_file", work, path="alias.txt") == "r\n"


# -- list_dir -----------------------------------------------------------------------------


def test_list_dir(work: Path) -> None:
    (work / "b.txt").write_text("12345")
    (work / "a").mkdir()
    (work / "a" / "inner.py").write_text("x")
    (work / ".git").mkdir()
    (work / ".git" / "HEAD").write_text("ref")
    (work / "ln").symlink_to("b.txt")
    assert call("list_dir", work) == ".git/\na/\nb.txt  (5 bytes)\nln -> b.txt"
    assert call("list_dir", work, path="a") == "inner.py  (1 bytes)"
    tree = call("list_dir", work, recursive=True).splitlines()
    assert tree == [".git/", "a/", "b.txt  (5 bytes)", "ln -> b.txt", "a/inner.py  (1 bytes)"]
    assert "b.txt is a file; use read_file" in refused("list_dir", work, path="b.txt")
    assert "nope: no such folder" in refused("list_dir", work, path="nope")
    (work / "e").mkdir()
    assert call("list_dir", work, path="e") == "(e is empty)"


def test_list_dir_cut(work: Path) -> None:
    for i in range(300):
        (work / f"file{i:03d}.txt").write_text("")
    out = call("list_dir", work, out_limit=1000)
    assert len(out) <= 1000 and out.startswith("file000.txt  (0 bytes)\n")
    assert "[output cut: showed" in out and "300 entries in all; list a subfolder" in out


# -- search_files -------------------------------------------------------------------------


def test_search_files_literal_regex_and_case(work: Path) -> None:
    (work / "a.py").write_text("import os\nx = os.path.join(a, b)\n")
    (work / "sub").mkdir()
    (work / "sub" / "b.txt").write_text("no\nOS here\n")
    assert call("search_files", work, pattern="os.path") == "a.py:2: x = os.path.join(a, b)"
    assert call("search_files", work, pattern="o.\\.path", regex=True) == "a.py:2: x = os.path.join(a, b)"
    assert call("search_files", work, pattern="o.\\.path") == "no match for 'o.\\\\.path' in ."  # literal
    hits = call("search_files", work, pattern="os", ignore_case=True).splitlines()
    assert hits == ["a.py:1: import os", "a.py:2: x = os.path.join(a, b)", "sub/b.txt:2: OS here"]
    assert call("search_files", work, pattern="os", glob="*.txt", ignore_case=True) == "sub/b.txt:2: OS here"
    assert call("search_files", work, pattern="OS", path="sub") == "sub/b.txt:2: OS here"
    assert call("search_files", work, pattern="OS", glob="sub/*.txt") == "sub/b.txt:2: OS here"
    assert call("search_files", work, pattern="OS", glob="other/*.txt") == "no match for 'OS' in ."
    assert call("search_files", work, pattern="import", path="a.py") == "a.py:1: import os"
    assert "invalid regular expression '('" in refused("search_files", work, pattern="(", regex=True)


def test_search_files_skips_git_binary_and_links_out(work: Path) -> None:
    (work / ".git").mkdir()
    (work / ".git" / "config").write_text("needle\n")
    (work / "blob.bin").write_bytes(b"needle\x00\x01")
    (work / "latin.txt").write_bytes(b"needle caf\xe9\n")
    outside = work.parent / "out"
    outside.mkdir()
    (outside / "s.txt").write_text("needle\n")
    (work / "link.txt").symlink_to(outside / "s.txt")
    out = call("search_files", work, pattern="needle").splitlines()
    assert out[0] == "latin.txt:1: needle caf\ufffd"
    assert "[files skipped: 1 binary, 1 symlinked outside the allowed folders]" in out
    assert "[1 files hold bytes that are not UTF-8: replaced with U+FFFD]" in out
    assert not any(".git" in line or "link.txt:" in line for line in out)


def test_search_files_stops_a_pattern_that_backtracks_forever(work: Path) -> None:
    (work / "a.txt").write_text("found a\n" + "a" * 40 + "b\n")
    out = call("search_files", work, pattern="^found|(a|aa)+$", regex=True, timeout=2.0)
    assert out.splitlines()[0] == "a.txt:1: found a"
    assert "[stopped: the pattern took too long to match (over 1 s)" in out


def test_search_files_caps(work: Path) -> None:
    (work / "many.txt").write_text("".join(f"hit {i}\n" for i in range(50)))
    out = call("search_files", work, pattern="hit", max_results=5).splitlines()
    assert out[:5] == [f"many.txt:{i + 1}: hit {i}" for i in range(5)]
    assert out[5].startswith("[stopped after 5 hits") and "narrow the search" in out[5]
    assert len(out) == 6
    long = call("search_files", work, pattern="hit", out_limit=400)
    assert len(long) <= 400 and "[stopped after" in long
    (work / "wide.txt").write_text("needle" + "y" * 1000 + "\n")
    wide = call("search_files", work, pattern="needle")
    assert wide.startswith("wide.txt:1: needle") and len(wide) < 400 and wide.endswith("…")
    assert "max_results must be between 1 and 1000" in refused("search_files", work, pattern="x", max_results=0)


# -- write_file, edit_file ----------------------------------------------------------------


def test_write_file_creates_replaces_and_makes_folders(work: Path) -> None:
    assert call("write_file", work, path="new.txt", content="héllo\n") == "created new.txt (7 bytes)"
    assert (work / "new.txt").read_bytes() == "héllo\n".encode()
    (work / "new.txt").chmod(0o640)
    assert call("write_file", work, path="new.txt", content="x") == "replaced new.txt (1 bytes)"
    assert (work / "new.txt").read_text() == "x" and (work / "new.txt").stat().st_mode & 0o777 == 0o640
    out = call("write_file", work, path="deep/er/f.txt", content="")
    assert out == "created deep/er/f.txt (0 bytes); created the folder deep/er"
    assert (work / "deep" / "er" / "f.txt").exists()
    assert "deep is a folder" in refused("write_file", work, path="deep", content="x")
    assert sorted(p.name for p in work.iterdir()) == ["deep", "new.txt"]  # no temporary file left


def test_write_file_through_a_symlink_inside_writes_the_target(work: Path) -> None:
    (work / "real.txt").write_text("old")
    (work / "alias.txt").symlink_to("real.txt")
    call("write_file", work, path="alias.txt", content="new")
    assert (work / "real.txt").read_text() == "new" and (work / "alias.txt").is_symlink()


def test_edit_file(work: Path) -> None:
    f = work / "code.py"
    f.write_bytes(b"a = 1\r\nb = 2\r\nb = 2\r\n")
    assert call("edit_file", work, path="code.py", old_text="a = 1", new_text="a = 10") == (
        "edited code.py: replaced 1 occurrence"
    )
    assert f.read_bytes() == b"a = 10\r\nb = 2\r\nb = 2\r\n"  # line ends kept
    message = refused("edit_file", work, path="code.py", old_text="b = 2", new_text="b = 3")
    assert "old_text occurs 2 times in code.py" in message and "replace_all=true" in message
    assert f.read_bytes() == b"a = 10\r\nb = 2\r\nb = 2\r\n"
    message = refused("edit_file", work, path="code.py", old_text="a = 10\nb", new_text="")
    assert "old_text was not found in code.py (the file has Windows line ends, \\r\\n)" in message
    assert "not found" in refused("edit_file", work, path="code.py", old_text="zzz", new_text="")
    out = call("edit_file", work, path="code.py", old_text="b = 2", new_text="b = 3", replace_all=True)
    assert out == "edited code.py: replaced 2 occurrences"
    assert f.read_bytes() == b"a = 10\r\nb = 3\r\nb = 3\r\n"
    assert "old_text is empty" in refused("edit_file", work, path="code.py", old_text="", new_text="x")
    assert "no such file (create it with write_file)" in refused("edit_file", work, path="x.py", old_text="a", new_text="b")


def test_edit_file_refuses_a_file_that_is_not_utf8(work: Path) -> None:
    (work / "l.txt").write_bytes(b"caf\xe9 a\n")
    assert "not UTF-8 text" in refused("edit_file", work, path="l.txt", old_text="a", new_text="b")
    assert (work / "l.txt").read_bytes() == b"caf\xe9 a\n"


def test_write_failure_is_a_tool_error(work: Path) -> None:
    (work / "plain").write_text("keep")
    message = refused("write_file", work, path="plain/inner.txt", content="new")
    assert message.startswith("cannot create the folder plain")
    assert (work / "plain").read_text() == "keep"
    assert "lone surrogate" in refused("write_file", work, path="s.txt", content="a\ud800b")
    assert not (work / "s.txt").exists()


def test_allow_path_values_checked(work: Path) -> None:
    from appam_cli.errors import UserError
    from appam_cli.tools.paths import allowed_folders

    (work / "f").write_text("")
    (work / "d").mkdir()
    (work / "ln").symlink_to("d")
    assert allowed_folders([str(work / "d"), str(work / "ln")]) == (work.resolve() / "d", work.resolve() / "d")
    for value, what in ((str(work / "nope"), "no such folder"), (str(work / "f"), "is not a folder")):
        with pytest.raises(UserError, match=f"--allow-path {value}: {what}"):
            allowed_folders([value])
