"""Prompt sizes of ChatPaper's three calls per paper, rebuilt on paperbot's extracted sections.

Reproduced from kaixindelele/ChatPaper ``chat_paper.py`` at commit 0452057 (2024-01-05),
``Reader.summary_with_chat`` / ``chat_summary`` / ``chat_method`` / ``chat_conclusion``:

- call 1 reads ``'Title:' + title + 'Url:' + url + 'Abstract:' + abstract + 'Paper_info:' +
  first page + first section``; call 2 ``'<summary>' + answer 1 + '\\n\\n<Methods>:\\n\\n' +
  method section`` (skipped when no section is a method); call 3 ``'<summary>' + answer 1 +
  '\\n <Method summary>:\\n' + answer 2 + '\\n\\n<Conclusion>:\\n\\n' + conclusion``;
- each text is cut to ``len(text) * (4096 - reserve) / gpt2_tokens(text)`` characters, reserve
  1100 for call 1 and 800 for calls 2 and 3, i.e. to 2,996 and 3,296 tokens;
- each call sends a system, an assistant and a user message; their fixed text is counted here by
  length only (ChatPaper is CC BY-NC-ND, so its wording is not copied), measured with
  ``language='English'`` and the default ``key_word``, whitespace runs collapsed to one space.

Approximated: tokens are characters / 4 (ChatPaper cuts with tiktoken's gpt2 encoding, which is
not installed here); "first page" and the sections are paperbot's (``FullText.first_page`` minus
the abstract, the ``introduction``/``method``/``conclusion`` kinds of ``split_sections``), not
ChatPaper's PyMuPDF page-range heuristic; its answers are the same content as paperbot's Analysis
laid out in ChatPaper's numbered format (see ``answers``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.papers.models import Analysis, FullText, PaperMeta

CHARS_PER_TOKEN = 4
MAX_TOKENS = 4096
RESERVE = {"summary": 1100, "method": 800, "conclusion": 800}
# system + assistant preamble + user instructions, in characters (see the module docstring).
FIXED_CHARS = {
    "summary": 120 + 147 + 1295,
    "method": 120 + 188 + 727,
    "conclusion": 106 + 192 + 843,
}
MESSAGE_OVERHEAD_TOKENS = 3 * 3 + 3  # OpenAI chat format: ~3 per message, 3 to prime the reply


@dataclass(frozen=True, slots=True)
class Call:
    """One ChatPaper chat call: characters of paper text sent, tokens in and out."""

    name: str
    text_chars: int
    tokens_in: int
    tokens_out: int


def clip(text: str, reserve: int) -> str:
    """ChatPaper's cut: keep the share of ``text`` that fits in 4096 - reserve tokens."""
    tokens = max(1, len(text) // CHARS_PER_TOKEN)
    return text[: int(len(text) * (MAX_TOKENS - reserve) / tokens)]


def answers(meta: PaperMeta, analysis: Analysis) -> dict[str, str]:
    """ChatPaper's three answers in its output format, carrying the content of ``analysis``."""
    summary = (
        f"1. Title: {meta.title}\n\n2. Authors: {', '.join(meta.authors)}\n\n"
        f"3. Affiliation: {analysis.affiliation}\n\n4. Keywords: {', '.join(analysis.keywords)}\n\n"
        f"5. Urls: https://arxiv.org/abs/{meta.id.base} , Github: None\n\n6. Summary: \n\n"
        f"- (1):{analysis.background};\n- (2):{analysis.past_methods};\n"
        f"- (3):{analysis.method};\n- (4):{analysis.performance}.\n\n"
    )
    steps = "".join(f"- ({i}):{s};\n" for i, s in enumerate(analysis.method_steps, 1))
    method = f"7. Methods: \n\n{steps}\n"
    conclusion = (
        f"8. Conclusion: \n\n- (1):{analysis.significance};\n"
        f"- (2):Innovation point: {analysis.innovation}; Performance: "
        f"{analysis.performance_assessment}; Workload: {analysis.workload};\n"
    )
    return {"summary": summary, "method": method, "conclusion": conclusion}


def _call(name: str, text: str, answer: str) -> Call:
    clipped = clip(text, RESERVE[name])
    tokens_in = (FIXED_CHARS[name] + len(clipped)) // CHARS_PER_TOKEN + MESSAGE_OVERHEAD_TOKENS
    return Call(name, len(clipped), tokens_in, len(answer) // CHARS_PER_TOKEN)


def three_calls(meta: PaperMeta, text: FullText, analysis: Analysis) -> list[Call]:
    """The calls ChatPaper makes for one paper (two when no section is a method)."""
    out = answers(meta, analysis)
    first_page = text.first_page.replace(meta.abstract, "")
    intro = text.text_of("introduction")
    call1 = (
        f"Title:{meta.title}Url:https://arxiv.org/abs/{meta.id.base}Abstract:{meta.abstract}"
        f"Paper_info:{first_page}{intro}"
    )
    calls = [_call("summary", call1, out["summary"])]
    method_text = text.text_of("method")
    if method_text:
        call2 = f"<summary>{out['summary']}\n\n<Methods>:\n\n{method_text}"
        calls.append(_call("method", call2, out["method"]))
    answer2 = out["method"] if method_text else ""
    call3 = f"<summary>{out['summary']}\n <Method summary>:\n{answer2}"
    conclusion = text.text_of("conclusion")
    if conclusion:
        call3 += f"\n\n<Conclusion>:\n\n{conclusion}"
    calls.append(_call("conclusion", call3, out["conclusion"]))
    return calls
