"""``[mcp.servers.NAME]`` is read strictly: a wrong table, key or value is one line naming the file
and the key, exit 1, before anything runs; a good one becomes McpServerConfig values."""

from __future__ import annotations

import pytest

from appam_cli.config import load_settings
from appam_cli.errors import UserError
from appam_cli.tools.mcp.config import McpServerConfig, MissingVariable, expand, parse_mcp

BAD = [
    # (config text, what the line names)
    ('[mcp.servers.gh]\ncommand = "x"\nurl = "http://h/mcp"\n', "mcp.servers.gh: has both command and url"),
    ("[mcp.servers.gh]\nargs = []\n", "mcp.servers.gh: has neither command nor url"),
    ('[mcp.servers.gh]\ncommand = "x"\ncomand = "y"\n', "mcp.servers.gh: unknown key 'comand'"),
    ('[mcp.servers.gh]\ncommand = ["x"]\n', "mcp.servers.gh.command"),
    ('[mcp.servers.gh]\ncommand = "  "\n', "mcp.servers.gh.command"),
    ('[mcp.servers.gh]\ncommand = "x"\nargs = "--stdio"\n', "mcp.servers.gh.args: must be a list of strings"),
    ('[mcp.servers.gh]\ncommand = "x"\nargs = ["a", 1]\n', "mcp.servers.gh.args: must be a list of strings"),
    ('[mcp.servers.gh]\ncommand = "x"\nenv = ["A=1"]\n', "mcp.servers.gh.env: must be a table of strings"),
    ('[mcp.servers.gh]\ncommand = "x"\nenv = { A = 1 }\n', "mcp.servers.gh.env.A: 1 is not a string"),
    ('[mcp.servers.gh]\ncommand = "x"\nenv = { A = "$HOME" }\n', "mcp.servers.gh.env.A"),
    ('[mcp.servers.gh]\ncommand = "x"\nheaders = { A = "b" }\n', "mcp.servers.gh.headers: is for a server reached at a url"),
    ('[mcp.servers.gh]\nurl = "http://h/mcp"\nargs = ["a"]\n', "mcp.servers.gh.args: is for a server started by command"),
    ('[mcp.servers.gh]\nurl = "http://h/mcp"\nenv = { A = "b" }\n', "mcp.servers.gh.env: is for a server started by command"),
    ('[mcp.servers.gh]\nurl = "ftp://h/mcp"\n', "mcp.servers.gh.url: 'ftp://h/mcp' is not an http(s) URL"),
    ('[mcp.servers.gh]\nurl = "localhost:8000"\n', "mcp.servers.gh.url"),
    ('[mcp.servers.gh]\nurl = 8000\n', "mcp.servers.gh.url"),
    ('[mcp.servers.gh]\nurl = "http://h/mcp"\nheaders = "Bearer x"\n', "mcp.servers.gh.headers: must be a table of strings"),
    ('[mcp.servers.gh]\nurl = "http://h/mcp"\nheaders = { Authorization = "Bearer ${}" }\n', "mcp.servers.gh.headers.Authorization"),
    ('[mcp.servers.gh]\nurl = "http://h/mcp"\nheaders = { Authorization = "Bearer ${TOKEN" }\n', "mcp.servers.gh.headers.Authorization"),
    ('[mcp.servers.gh]\nurl = "http://h/mcp"\nheaders = { Authorization = "Bearer ${TOKEN\\n}" }\n', "mcp.servers.gh.headers.Authorization"),
    ('[mcp.servers.gh]\ncommand = "x"\ntimeout = 0\n', "mcp.servers.gh.timeout"),
    ('[mcp.servers.gh]\ncommand = "x"\ntimeout = true\n', "mcp.servers.gh.timeout"),
    ('[mcp.servers.gh]\ncommand = "x"\ntimeout = "30"\n', "mcp.servers.gh.timeout"),
    ('[mcp.servers.gh]\ncommand = "x"\nstartup_timeout = nan\n', "mcp.servers.gh.startup_timeout"),
    ('[mcp.servers.gh]\ncommand = "x"\nstartup_timeout = inf\n', "mcp.servers.gh.startup_timeout"),
    ('[mcp.servers."git.hub"]\ncommand = "x"\n', "MCP server name 'git.hub'"),
    ('[mcp.servers.git__hub]\ncommand = "x"\n', "MCP server name 'git__hub'"),
    ('[mcp.servers.1hub]\ncommand = "x"\n', "MCP server name '1hub'"),
    ('[mcp.servers."a b"]\ncommand = "x"\n', "MCP server name 'a b'"),
    ('[mcp.servers."gh\\n"]\ncommand = "x"\n', "MCP server name 'gh\\n'"),
    (f'[mcp.servers.{"a" * 33}]\ncommand = "x"\n', "MCP server name"),
    ('[mcp]\nservers = "gh"\n', "mcp.servers must hold"),
    ('[mcp]\nserver = {}\n', "unknown key mcp.server"),
    ('mcp = 1\n', "mcp must be a table"),
    ('[mcp.servers]\ngh = "npx gh"\n', "mcp.servers.gh: must be a table"),
]


@pytest.mark.parametrize("text, fragment", BAD, ids=[fragment for _, fragment in BAD])
def test_a_wrong_mcp_table_is_one_line_naming_the_file_and_key(offline_cli, write_config, text, fragment):
    path = write_config(text)
    result = offline_cli("run", "hi", "-m", "openai/x", "--api-base", "http://127.0.0.1:9")
    line = result.error_line(fragment, str(path))
    assert "Traceback" not in line
    assert not (offline_cli.home / "sessions.db").exists()  # nothing ran


def test_a_stdio_and_an_http_server_are_read_into_configs(write_config):
    write_config(
        "[mcp.servers.files]\n"
        'command = "npx"\n'
        'args = ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]\n'
        'env = { DEBUG = "1", TOKEN = "${FILES_TOKEN}" }\n'
        "timeout = 5\n"
        "[mcp.servers.git-hub]\n"
        'url = "https://api.example.com/mcp"\n'
        'headers = { Authorization = "Bearer ${GITHUB_TOKEN}", X-Price = "$$5" }\n'
        "startup_timeout = 2.5\n"
    )
    servers = load_settings().mcp_servers
    assert servers == {
        "files": McpServerConfig(
            "files",
            command="npx",
            args=("-y", "@modelcontextprotocol/server-filesystem", "/tmp"),
            env={"DEBUG": "1", "TOKEN": "${FILES_TOKEN}"},  # read when the server starts, not stored
            timeout=5.0,
        ),
        "git-hub": McpServerConfig(
            "git-hub",
            url="https://api.example.com/mcp",
            headers={"Authorization": "Bearer ${GITHUB_TOKEN}", "X-Price": "$$5"},
            startup_timeout=2.5,
        ),
    }
    assert servers["files"].transport == "stdio" and servers["git-hub"].transport == "http"
    assert servers["files"].target == "npx -y @modelcontextprotocol/server-filesystem /tmp"


def test_no_mcp_table_is_no_servers(write_config):
    write_config('model = "openai/x"\n')
    assert load_settings().mcp_servers == {}


def test_variables_are_expanded_from_the_environment_and_a_missing_one_is_named():
    env = {"GITHUB_TOKEN": "t0k", "EMPTY": ""}
    assert expand("Bearer ${GITHUB_TOKEN}", env) == "Bearer t0k"
    assert expand("${EMPTY}x", env) == "x"
    assert expand("$$5 and $${GITHUB_TOKEN}", env) == "$5 and ${GITHUB_TOKEN}"
    with pytest.raises(MissingVariable) as caught:
        expand("Bearer ${NOT_SET_ANYWHERE}", env)
    assert caught.value.variable == "NOT_SET_ANYWHERE"


def test_parse_mcp_refuses_a_bad_name_before_anything_else():
    with pytest.raises(UserError, match="used as -T NAME.tool"):
        parse_mcp({"servers": {"a.b": {"bogus": 1}}}, "config.toml")
