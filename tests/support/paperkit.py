"""A known paper and a well-behaved fake model, shared by the pipeline, CLI and adapter tests."""

from __future__ import annotations

import os
import re
from typing import Any

from bot.infra.settings import Settings
from support.fakes.arxiv_server import FakeArxiv, FakePaper
from support.fakes.gemini_server import FakeGemini
from support.htmlgen import latexml_html

TALKLORA_ABSTRACT = (
    "Speech-driven facial animation is important for many applications. We propose TalkLoRA, "
    "which uses Low-Rank Adaptation to adapt to new speaking styles with limited data. "
    "The code is available at https://github.com/example-lab/talklora."
)
TALKLORA_SECTIONS = [
    (
        "1 Introduction",
        [
            "Transformers are effective for speech-driven animation. However, they are hard to "
            "adapt to new speaking styles and slow for long sentences.",
        ],
    ),
    (
        "3 Method",
        [
            "We train a LoRA adaptor with rank 8 for each subject and chunk the audio into "
            "windows of 4 seconds to bound the attention cost.",
        ],
    ),
    (
        "4 Experiments",
        [
            "On VOCASET, TalkLoRA reaches a lip vertex error of 3.2 mm against 3.9 mm for "
            "FaceFormer. Rank 8 works best among ranks 2, 4, 8 and 16.",
        ],
    ),
    ("5 Conclusion", ["TalkLoRA adapts quickly and runs in linear time."]),
]


def talklora(base: str = "2408.13714", version: int = 1, **overrides: Any) -> FakePaper:
    """TalkLoRA as arXiv serves it: metadata, LaTeXML HTML with a figure, no PDF."""
    title = overrides.pop("title", "TalkLoRA: Low-Rank Adaptation for Speech-Driven Animation")
    html = latexml_html(
        title,
        [("Jack Saunders", "University of Bath"), ("Vinay Namboodiri", "University of Bath")],
        TALKLORA_ABSTRACT,
        TALKLORA_SECTIONS,
        figure_src="x1.png",
        figure_caption="Figure 1: TalkLoRA adapts a transformer with low-rank adaptors.",
    )
    fields: dict[str, Any] = {
        "title": title,
        "authors": ("Jack Saunders", "Vinay Namboodiri"),
        "abstract": TALKLORA_ABSTRACT,
        "comment": "Accepted to INTERSPEECH 2024",
        "html": html,
    }
    fields.update(overrides)
    return FakePaper(base, version, **fields)


def quotes_from(prompt: str, count: int) -> list[str]:
    """``count`` sentences copied from the paper text in a summary prompt (honest evidence)."""
    body = prompt.rsplit("<paper>", 1)[-1].split("</paper>", 1)[0]
    lines = (line for line in body.splitlines() if line and not line.startswith("["))
    found = [s for line in lines for s in re.split(r"(?<=\.) ", line) if len(s.split()) >= 5]
    return [found[i % len(found)] for i in range(count)] if found else []


def analysis_for(prompt: str) -> dict[str, Any]:
    """A valid Analysis, in Chinese when the prompt asks for Chinese, naming its own numbers;
    each takeaway quotes a sentence of the paper it was sent, and the performance figures are
    TalkLoRA's only when the paper it was sent reports them (else "not stated")."""
    zh = "Chinese" in prompt
    reported = "VOCASET" in prompt
    says = "论文提出" if zh else "The paper proposes"
    return {
        "summary": "TalkLoRA：用低秩适配快速适配说话风格"
        if zh
        else "LoRA adapts talking heads fast",
        "takeaways": [f"{says} point {i}" for i in range(1, 7)],
        "takeaway_quotes": quotes_from(prompt, 6),
        "title_translation": "TalkLoRA：用于语音驱动动画的低秩自适应" if zh else "",
        "affiliation": "University of Bath",
        "keywords": ["LoRA", "talking head", "speech-driven animation"],
        "background": f"{says} background.",
        "past_methods": f"{says} past methods are slow.",
        "method": f"{says} LoRA rank 8 adaptors.",
        "performance": "LVE 3.2 mm vs 3.9 mm (FaceFormer) on VOCASET."
        if reported
        else "not stated",
        "method_steps": ["Freeze the model.", "Train LoRA rank 8.", "Chunk audio into 4 s."],
        "significance": f"{says} significance.",
        "innovation": "LoRA for speech-driven animation.",
        "performance_assessment": "3.2 mm LVE." if reported else "not stated",
        "workload": "not stated",
    }


def gemini_responder(body: dict[str, Any]) -> dict[str, Any]:
    """FakeGemini responder: a valid analysis for whatever paper it was asked about."""
    return analysis_for(FakeGemini.system_text(body) + FakeGemini.prompt_text(body))


_PASSAGE = re.compile(r'<passage id="(\d+)"[^>]*>\n(.*?)\n</passage>', re.S)


def passages_in(prompt: str) -> list[tuple[int, str]]:
    """(id, text) of each passage an answer prompt holds, as bot.qa.passages_block wrote them."""
    return [(int(pid), text) for pid, text in _PASSAGE.findall(prompt)]


def settings_for(
    arxiv: FakeArxiv, redis_url: str | None, gemini: FakeGemini | None = None, **extra: Any
) -> Settings:
    """Settings that point every client at the local fakes and the tests' Redis."""
    fields: dict[str, Any] = {
        "redis_url": redis_url,
        "arxiv_api_url": arxiv.api_url,
        "arxiv_html_url": arxiv.html_url,
        "arxiv_pdf_url": arxiv.pdf_url,
        "arxiv_rss_url": arxiv.rss_url,
        "arxiv_delay_s": 0.0,
        "arxiv_timeout_s": 5.0,
    }
    if gemini is not None:
        from pydantic import SecretStr

        fields.update(
            llm_provider="gemini",
            llm_model="gemini-2.5-flash",
            gemini_api_key=SecretStr("test-key-123456"),
            gemini_base_url=gemini.url,
            llm_timeout_s=5.0,
        )
    fields.update(extra)
    return Settings(**fields)


def env_for(settings: Settings) -> dict[str, str]:
    """The environment variables that produce ``settings`` (for CLI tests)."""
    env = {
        "REDIS_URL": settings.redis_url or "",
        "PAPERBOT_ARXIV_API_URL": settings.arxiv_api_url,
        "PAPERBOT_ARXIV_HTML_URL": settings.arxiv_html_url,
        "PAPERBOT_ARXIV_PDF_URL": settings.arxiv_pdf_url,
        "PAPERBOT_ARXIV_RSS_URL": settings.arxiv_rss_url,
        "PAPERBOT_ARXIV_DELAY_SECONDS": "0",
        "PAPERBOT_ARXIV_TIMEOUT_SECONDS": str(settings.arxiv_timeout_s),
        "PAPERBOT_LLM_PROVIDER": settings.llm_provider,
        "PAPERBOT_LLM_TIMEOUT_SECONDS": str(settings.llm_timeout_s),
    }
    if settings.gemini_api_key:
        env["GEMINI_API_KEY"] = settings.gemini_api_key.get_secret_value()
        env["PAPERBOT_GEMINI_BASE_URL"] = settings.gemini_base_url or ""
        env["PAPERBOT_LLM_MODEL"] = settings.llm_model
    if settings.embedding_model:
        env["PAPERBOT_EMBEDDING_MODEL"] = settings.embedding_model
        env["PAPERBOT_EMBEDDING_DIMENSIONS"] = str(settings.embedding_dimensions or "")
    return env


_OUTER = ("PAPERBOT_", "GEMINI_", "GOOGLE_API_KEY", "OPENAI_", "TELEGRAM_", "DISCORD_", "REDIS_URL")


def process_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a paperbot process: this one's, less every paperbot setting and
    secret it may hold, plus those that produce ``settings``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_OUTER)}
    env.update(env_for(settings))
    env.update(extra)
    return env


def visible(text: str) -> str:
    """Collapse whitespace, for assertions on rendered text."""
    return re.sub(r"\s+", " ", text)


def pdf_paper() -> bytes:
    """A three-page paper as a PDF: front matter, numbered sections, its own and a baseline's code."""
    from support.pdfgen import body_lines, text_pdf

    page1 = [
        "Residual Adapters for Talking Heads",
        "Mei Chen",
        "Department of Computing, Imperial College London",
        "",
        "Abstract",
        "We propose residual adapters that personalise talking head models with little data.",
        "",
        "1 Introduction",
        "Talking head models are hard to personalise. However, prior adapters such as",
        "StyleTalk (https://github.com/other-group/styletalk) need hours of video per subject.",
        *body_lines(600),
    ]
    page2 = [
        "2 Method",
        "We insert a residual adapter after every attention block and train it for 500 steps.",
        *body_lines(800),
        "3 Experiments",
        "On HDTF our adapters reach an FID of 12.3 against 15.1 for StyleTalk.",
        *body_lines(400),
    ]
    page3 = [
        "4 Conclusion",
        "Residual adapters personalise talking heads in minutes.",
        "Our code is available at https://github.com/mei-chen/residual-adapters.",
        "References",
        "[1] A. Author. Some paper. https://github.com/not-this/one",
    ]
    return text_pdf([page1, page2, page3])
