"""Settings from the environment: defaults, provider choice, validation, secrets kept hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError


def test_no_keys_means_extractive_and_embedded_redis() -> None:
    s = Settings.from_env({})
    assert s.llm_provider == "extractive" and s.redis_url is None
    assert s.arxiv_delay_s == 3.0 and s.language == "en"
    assert s.fetch_hosts == frozenset({"export.arxiv.org", "arxiv.org", "rss.arxiv.org"})


def test_a_gemini_key_picks_gemini_and_never_prints() -> None:
    s = Settings.from_env({"GEMINI_API_KEY": "AIza-secret-value", "PAPERBOT_LANGUAGE": "zh"})
    assert s.llm_provider == "gemini" and s.llm_model == "gemini-2.5-flash"
    assert s.gemini_api_key is not None and s.gemini_api_key.get() == "AIza-secret-value"
    assert "AIza-secret-value" not in repr(s) and "AIza-secret-value" not in str(s)
    assert s.language == "zh"


def test_a_dotenv_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("PAPERBOT_LLM_PROVIDER=openai\nOPENAI_API_KEY=sk-x\n")
    monkeypatch.delenv("PAPERBOT_LLM_PROVIDER", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    s = Settings.from_env(dotenv=tmp_path / ".env")
    assert s.llm_provider == "openai" and s.llm_model == "gpt-4o-mini"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"PAPERBOT_LLM_PROVIDER": "claude"}, "must be one of"),
        ({"PAPERBOT_LLM_PROVIDER": "gemini"}, "needs GEMINI_API_KEY"),
        ({"PAPERBOT_LLM_PROVIDER": "openai"}, "needs OPENAI_API_KEY"),
        ({"PAPERBOT_LANGUAGE": "fr"}, "PAPERBOT_LANGUAGE"),
        ({"PAPERBOT_ARXIV_DELAY_SECONDS": "soon"}, "must be a number"),
        ({"PAPERBOT_ARXIV_API_URL": "ftp://x"}, "http(s) URL"),
    ],
)
def test_bad_settings_are_explained(env: dict[str, str], says: str) -> None:
    with pytest.raises(SettingsError, match=says.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)
