"""Error lines never carry secrets."""

import pytest

from appam_cli.providers.errors import display_url, scrub


@pytest.mark.parametrize(
    "text, secret",
    [
        ("Incorrect API key provided: sk-proj-abcdefghijklmnop1234.", "abcdefghijklmnop1234"),
        ("bad key gsk_abcdefghijklmnop12345", "abcdefghijklmnop12345"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("key=AIzaSyA1234567890abcdefghijk", "1234567890abcdefghijk"),
        ("calling http://user:hunter2@host/v1", "hunter2"),
        ("api_key=supersecret123 rejected", "supersecret123"),
    ],
)
def test_scrub_removes_secrets(text, secret):
    assert secret not in scrub(text)


def test_scrub_leaves_ordinary_text():
    assert scrub("server error (HTTP 500): The server had an error") == "server error (HTTP 500): The server had an error"


def test_display_url_drops_credentials_and_query():
    assert display_url("http://u:p@127.0.0.1:8000/v1?api-key=s3cret") == "http://127.0.0.1:8000/v1"


def test_error_line_shows_the_api_base_without_credentials(cli):
    result = cli("run", "q", "-m", "openai/x", "--api-base", "http://me:hunter2@127.0.0.1:9/v1?key=abc", "--retries", "0")
    assert result.exit_code == 3
    assert "hunter2" not in result.stderr and "abc" not in result.stderr
    assert "cannot reach http://127.0.0.1:9/v1" in result.stderr


@pytest.mark.parametrize(
    ("model", "url_attr", "variable"),
    [
        ("gemini/gemini-2.5-flash", "gemini_url", "GEMINI_API_KEY"),
        ("anthropic/claude-sonnet-4-5", "anthropic_url", "ANTHROPIC_API_KEY"),
    ],
)
def test_a_missing_key_is_named_even_with_an_api_base(cli, model, url_attr, variable):
    """Only an ``openai/`` model on a custom API base goes without a key (a placeholder is sent):
    a Gemini or Anthropic model there still needs its key, and is not retried four times."""
    result = cli("run", "-m", model, "--api-base", getattr(cli.server, url_attr), "q")
    assert result.exit_code == 3, result.stderr
    assert result.stderr.strip().splitlines() == [f"appam: no API key for {model}: set {variable}"]
    assert cli.server.requests == []
