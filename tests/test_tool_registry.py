"""-T names and --tools-file to a Toolbox; `appam tools list`; the [tools] config table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from appam_cli.errors import UserError
from appam_cli.tools.registry import build_toolbox, list_tools, load_tools_file
from appam_cli.tools.spec import ToolContext

TOOLS_PY = '''
from appam_cli import tool, ToolContext

@tool(side_effects=False)
def shout(text: str) -> str:
    """Shout a text back.

    Args:
        text: what to shout.
    """
    return text.upper()

@tool(name="count_words")
def words(text: str, context: ToolContext) -> int:
    """Count words."""
    return len(text.split())

def helper(x: int) -> int:  # not a tool: not decorated
    return x
'''


@pytest.fixture
def tools_py(tmp_path: Path) -> Path:
    path = tmp_path / "tools.py"
    path.write_text(TOOLS_PY)
    return path


def names(toolbox) -> list[str]:
    return [spec.name for spec in toolbox.specs]


def user_error(fn, *args, **kwargs) -> str:
    with pytest.raises(UserError) as err:
        fn(*args, **kwargs)
    assert "\n" not in err.value.message
    return err.value.message


def test_builtins_by_name_in_order_once() -> None:
    box = build_toolbox(["run_shell", "read_file", "run_shell"])
    assert names(box) == ["run_shell", "read_file"]
    assert [t["function"]["name"] for t in box.provider_tools()] == ["run_shell", "read_file"]
    assert not build_toolbox([])


def test_unknown_name_suggests_close_matches_and_lists_the_available() -> None:
    message = user_error(build_toolbox, ["read_fil"])
    assert message.startswith("unknown tool 'read_fil': did you mean read_file? available: read_file, list_dir,")
    assert "run_shell" in message and "appam tools list" in message
    message = user_error(build_toolbox, ["zzzz"])
    assert "did you mean" not in message and "available: read_file" in message


def test_tools_file_tools_all_enabled_unless_some_are_named(tools_py: Path, tmp_path: Path) -> None:
    box = build_toolbox([], [tools_py])
    assert names(box) == ["shout", "count_words"]
    assert {s.source for s in box.specs} == {"tools.py"}
    shout = box.find("shout")
    assert shout is not None and shout.side_effects is False
    assert shout.run({"text": "hi"}, ToolContext(cwd=tmp_path)) == "HI"
    assert box.find("count_words").side_effects is True  # @tool without side_effects=False
    # -T naming one of the file's tools: only the named ones.
    assert names(build_toolbox(["count_words"], [tools_py])) == ["count_words"]
    # -T naming only built-ins: the file's tools all come too.
    assert names(build_toolbox(["read_file"], [tools_py])) == ["read_file", "shout", "count_words"]


def test_tools_file_names_in_unknown_name_message(tools_py: Path) -> None:
    assert "shout, count_words" in user_error(build_toolbox, ["shuot"], [tools_py])


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("def f(:\n", "syntax error on line 1"),
        ("raise RuntimeError('no db')\n", "RuntimeError: no db"),
        ("import not_a_module_anywhere\n", "ModuleNotFoundError: No module named 'not_a_module_anywhere'"),
        ("def helper(): pass\n", "no @tool functions"),
        ("from appam_cli import tool\n@tool\ndef f(*a): pass\n", "*args and **kwargs"),
        ("import sys\nsys.exit(3)\n", "SystemExit: 3"),
        ("from appam_cli import tool\n@tool\ndef read_file(p: str) -> str: return p\n", "has the name of a built-in"),
    ],
    ids=["syntax", "raises", "import", "no-tools", "bad-signature", "exit", "builtin-name"],
)
def test_a_bad_tools_file_is_one_line_naming_it(tmp_path: Path, text: str, fragment: str) -> None:
    bad = tmp_path / "bad_tools.py"
    bad.write_text(text)
    message = user_error(build_toolbox, [], [str(bad)])
    assert message.startswith(f"tools file {bad}") and fragment in message


def test_missing_tools_file_and_folder(tmp_path: Path) -> None:
    assert user_error(load_tools_file, tmp_path / "nope.py") == f"tools file {tmp_path / 'nope.py'}: no such file"
    assert "is a folder" in user_error(load_tools_file, tmp_path)


def test_two_files_defining_one_name(tools_py: Path, tmp_path: Path) -> None:
    other = tmp_path / "more.py"
    other.write_text("from appam_cli import tool\n@tool\ndef shout(t: str) -> str: return t\n")
    assert f"tool 'shout' is also defined in {tools_py}" in user_error(build_toolbox, [], [tools_py, other])


def test_a_tools_file_imports_what_lies_beside_it(tmp_path: Path) -> None:
    (tmp_path / "helpers_beside.py").write_text("def twice(x): return x * 2\n")
    (tmp_path / "t.py").write_text(
        "from appam_cli import tool\nfrom helpers_beside import twice\n"
        "@tool(side_effects=False)\ndef double(x: int) -> int:\n    return twice(x)\n"
    )
    box = build_toolbox([], [tmp_path / "t.py"])
    assert box.find("double").run({"x": 4}, ToolContext(cwd=tmp_path)) == "8"


def test_list_tools(tools_py: Path) -> None:
    listed = list_tools([tools_py])
    assert [s.name for s in listed] == [
        "read_file", "list_dir", "search_files", "write_file", "edit_file", "run_shell", "shout", "count_words",
    ]


# -- appam tools list ---------------------------------------------------------------------


def test_tools_list_table(offline_cli, tools_py: Path) -> None:
    result = offline_cli("tools", "list")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["name", "source", "side", "effects", "description"]
    row = {line.split()[0]: line for line in lines[1:] if line[:1].strip()}  # a description may wrap
    assert list(row)[:6] == ["read_file", "list_dir", "search_files", "write_file", "edit_file", "run_shell"]
    assert row["read_file"].split()[1:4] == ["built-in", "no", "Read"]
    assert row["run_shell"].split()[1:4] == ["built-in", "yes", "(asks)"]
    assert "6 tools · enable with -T NAME" in result.stdout
    with_file = offline_cli("tools", "list", "--tools-file", str(tools_py))
    assert with_file.exit_code == 0, with_file.stderr
    shout = next(line for line in with_file.stdout.splitlines() if line.startswith("shout"))
    assert shout.split()[1:4] == ["tools.py", "no", "Shout"]
    assert "8 tools" in with_file.stdout


def test_tools_list_says_which_tools_run_without_asking(offline_cli, write_config) -> None:
    write_config('[tools]\nauto_approve = ["write_file"]\n')
    result = offline_cli("tools", "list")
    assert result.exit_code == 0, result.stderr
    row = {line.split()[0]: line for line in result.stdout.splitlines()[1:] if line[:1].strip()}
    assert row["write_file"].split()[1:4] == ["built-in", "yes", "(auto-approved)"]
    assert row["run_shell"].split()[1:4] == ["built-in", "yes", "(asks)"]
    assert row["read_file"].split()[1:3] == ["built-in", "no"]


def test_tools_list_json_has_the_schema(offline_cli, tools_py: Path) -> None:
    result = offline_cli("tools", "list", "--json", "--tools-file", str(tools_py))
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows][-2:] == ["shout", "count_words"]
    shout = rows[-2]
    assert shout == {
        "name": "shout",
        "source": "tools.py",
        "side_effects": False,
        "auto_approved": False,
        "description": "Shout a text back.",
        "parameters": {
            "additionalProperties": False,
            "properties": {"text": {"description": "what to shout.", "type": "string"}},
            "required": ["text"],
            "type": "object",
        },
    }
    assert rows[0]["name"] == "read_file" and rows[0]["parameters"]["required"] == ["path"]


def test_tools_list_bad_file_is_one_line(offline_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f(:\n")
    offline_cli("tools", "list", "--tools-file", str(bad)).error_line(f"tools file {bad}: syntax error on line 1")


# -- [tools] in config.toml ----------------------------------------------------------------


def test_tools_auto_approve_config(write_config) -> None:
    from appam_cli.config import load_settings

    assert load_settings().tools_auto_approve == ()
    write_config('[tools]\nauto_approve = ["write_file", "github.list_issues", "github"]\n')
    assert load_settings().tools_auto_approve == ("write_file", "github.list_issues", "github")


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("tools = 1\n", "[tools] must be a table"),
        ("[tools]\nauto_aprove = []\n", "unknown key tools.auto_aprove (did you mean auto_approve?)"),
        ('[tools]\nauto_approve = "run_shell"\n', "invalid value for tools.auto_approve in"),
        ("[tools]\nauto_approve = [1]\n", "1 is not a tool name"),
        ('[tools]\nauto_approve = [""]\n', "'' is not a tool name"),
        ('[tools]\nauto_approve = [" run_shell"]\n', "' run_shell' is not a tool name"),
    ],
)
def test_tools_config_is_validated(offline_cli, write_config, text: str, fragment: str) -> None:
    write_config(text)
    offline_cli("sessions", "list").error_line("config", fragment)


def test_the_readme_tools_file_example_works(tmp_path: Path) -> None:
    """The `tools.py` of README's "Built-in tools and approval", read from README.md at test time."""
    import re

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = re.search(r"^### Built-in tools and approval\n(.*?)(?=^##)", readme, re.S | re.M)
    assert section
    block = re.search(r"^```python\n(# tools.py\n.*?)^```", section.group(1), re.S | re.M)
    assert block
    (tmp_path / "tools.py").write_text(block.group(1))
    box = build_toolbox([], [tmp_path / "tools.py"])
    assert [(s.name, s.side_effects) for s in box.specs] == [("word_count", False), ("save_note", True)]
    context = ToolContext(cwd=tmp_path)
    assert box.find("word_count").run({"text": "the cat the mat", "unique": True}, context) == "3"
    assert box.find("save_note").run({"title": "t", "body": "hello"}, context) == "saved t.md"
    assert (tmp_path / "notes" / "t.md").read_text() == "hello"
    assert list(box.find("save_note").parameters["properties"]) == ["title", "body"]
