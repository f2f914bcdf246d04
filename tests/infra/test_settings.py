"""Settings from the environment: defaults, provider choice, validation, secrets kept hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.infra.settings import Settings, SettingsError


def test_no_keys_means_extractive_and_embedded_redis() -> None:
    s = Settings.from_env({})
    assert s.llm_provider == "extractive" and s.redis_url is None
    assert s.arxiv_delay_s == 3.0 and s.language == "en"
    assert s.fetch_hosts == frozenset({"export.arxiv.org", "arxiv.org", "rss.arxiv.org"})


def test_a_gemini_key_picks_gemini_and_never_prints() -> None:
    s = Settings.from_env({"GEMINI_API_KEY": "AIza-secret-value", "PAPERBOT_LANGUAGE": "zh"})
    assert s.llm_provider == "gemini" and s.llm_model == "gemini-2.5-flash"
    assert (
        s.gemini_api_key is not None and s.gemini_api_key.get_secret_value() == "AIza-secret-value"
    )
    assert "AIza-secret-value" not in repr(s) and "AIza-secret-value" not in str(s)
    assert s.language == "zh"


def test_a_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("PAPERBOT_LLM_PROVIDER=openai\nOPENAI_API_KEY=sk-x\n")
    monkeypatch.delenv("PAPERBOT_LLM_PROVIDER", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    s = Settings.from_env(dotenv=tmp_path / ".env")
    assert s.llm_provider == "openai" and s.llm_model == "gpt-4o-mini"


def test_the_environment_beats_the_dotenv_file_of_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("PAPERBOT_LANGUAGE=zh\nPAPERBOT_USER_RATE_LIMIT=5\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PAPERBOT_USER_RATE_LIMIT", raising=False)
    monkeypatch.setenv("PAPERBOT_LANGUAGE", "en")
    s = Settings.from_env()
    assert (s.language, s.user_rate_limit) == ("en", 5)


def test_settings_built_in_code_never_read_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("PAPERBOT_LANGUAGE=zh\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-from-the-shell")
    s = Settings(redis_url="redis://127.0.0.1:1/0", arxiv_delay_s=0)
    assert (s.llm_provider, s.llm_model, s.language) == ("extractive", "extractive", "en")
    assert s.gemini_api_key is None


def test_blank_values_mean_the_default_and_google_api_key_stands_in() -> None:
    s = Settings.from_env(
        {
            "PAPERBOT_ARXIV_DELAY_SECONDS": "  ",
            "GEMINI_API_KEY": "",
            "GOOGLE_API_KEY": " g-key ",
            "PAPERBOT_LOG_FORMAT": " JSON ",
            "PAPERBOT_ARXIV_API_URL": "http://127.0.0.1:9/api/",
        }
    )
    assert s.arxiv_delay_s == 3.0 and s.log_format == "json"
    assert s.arxiv_api_url == "http://127.0.0.1:9/api"
    assert s.llm_provider == "gemini" and s.gemini_api_key is not None
    assert s.gemini_api_key.get_secret_value() == "g-key"
    assert s.secret_values() == ["g-key"]


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"PAPERBOT_LLM_PROVIDER": "claude"}, "must be one of"),
        ({"PAPERBOT_LLM_PROVIDER": "gemini"}, "needs GEMINI_API_KEY"),
        ({"PAPERBOT_LLM_PROVIDER": "openai"}, "needs OPENAI_API_KEY"),
        ({"PAPERBOT_LANGUAGE": "fr"}, "PAPERBOT_LANGUAGE"),
        ({"PAPERBOT_ARXIV_DELAY_SECONDS": "soon"}, "must be a number"),
        ({"PAPERBOT_ARXIV_API_URL": "ftp://x"}, "http(s) URL"),
        ({"PAPERBOT_EMBEDDING_MODEL": "gemini-embedding-001"}, "needs PAPERBOT_LLM_PROVIDER"),
        ({"PAPERBOT_GEMINI_THINKING_BUDGET": "-5"}, "at least -1"),
        ({"PAPERBOT_LLM_CONCURRENCY": "0"}, "PAPERBOT_LLM_CONCURRENCY must be at least 1"),
        (
            {"PAPERBOT_USER_RATE_LIMIT": "lots"},
            "PAPERBOT_USER_RATE_LIMIT must be a number, not 'lots'",
        ),
        (
            {
                "GEMINI_API_KEY": "k",
                "PAPERBOT_EMBEDDING_MODEL": "m",
                "PAPERBOT_EMBEDDING_DIMENSIONS": "x",
            },
            "must be a number",
        ),
    ],
)
def test_bad_settings_are_explained(env: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError, match=says.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


def test_embeddings_are_off_unless_a_model_is_named() -> None:
    assert Settings.from_env({"GEMINI_API_KEY": "k"}).embedding_model is None
    gemini = Settings.from_env(
        {"GEMINI_API_KEY": "k", "PAPERBOT_EMBEDDING_MODEL": "gemini-embedding-001"}
    )
    assert (gemini.embedding_model, gemini.embedding_dimensions) == ("gemini-embedding-001", 768)
    sized = Settings.from_env(
        {
            "OPENAI_API_KEY": "k",
            "PAPERBOT_LLM_PROVIDER": "openai",
            "PAPERBOT_EMBEDDING_MODEL": "text-embedding-3-small",
            "PAPERBOT_EMBEDDING_DIMENSIONS": "512",
        }
    )
    assert (sized.embedding_model, sized.embedding_dimensions) == ("text-embedding-3-small", 512)
    own = Settings.from_env(
        {
            "PAPERBOT_LLM_PROVIDER": "openai",
            "PAPERBOT_OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
            "PAPERBOT_EMBEDDING_MODEL": "nomic-embed-text",
        }
    )
    assert own.embedding_dimensions is None  # the model's own size


def test_the_gemini_thinking_budget_is_the_models_own_unless_set() -> None:
    assert Settings.from_env({"GEMINI_API_KEY": "k"}).gemini_thinking_budget is None
    off = Settings.from_env({"GEMINI_API_KEY": "k", "PAPERBOT_GEMINI_THINKING_BUDGET": "0"})
    assert off.gemini_thinking_budget == 0


def test_the_metrics_server_is_local_by_default_and_can_be_turned_off() -> None:
    s = Settings.from_env({})
    assert (s.metrics_host, s.metrics_port) == ("127.0.0.1", 9108)
    assert Settings.from_env({"PAPERBOT_METRICS_PORT": "0"}).metrics_port == 0
    with pytest.raises(SettingsError, match="0 to 65535"):
        Settings.from_env({"PAPERBOT_METRICS_PORT": "70000"})


def test_json_logs_are_one_object_a_line_with_secrets_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json
    import logging

    from bot.infra.logs import setup_logging

    settings = Settings.from_env({"PAPERBOT_LOG_FORMAT": "json", "GEMINI_API_KEY": "AIza-sekret-1"})
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        setup_logging(settings, verbose=True)
        logging.getLogger("paperbot.test").warning("calling with key %s", "AIza-sekret-1")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "paperbot.test"
    assert entry["message"] == "calling with key ***"
    with pytest.raises(SettingsError, match="PAPERBOT_LOG_FORMAT"):
        Settings.from_env({"PAPERBOT_LOG_FORMAT": "xml"})
