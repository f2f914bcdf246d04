"""Code links found in abstracts, comments and extracted paper text."""

import pytest
from support.paths import SHARED_FIXTURES

from bot.papers.codelinks import find_code_urls

FIXTURES = SHARED_FIXTURES

GH = "https://github.com/cyhuang-tw/speechcaps"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # plain sentences, as abstracts and comments write them
        ("The code and dataset are available at https://github.com/cyhuang-tw/speechcaps.", [GH]),
        ("Code: github.com/cyhuang-tw/speechcaps", [GH]),
        ("Code is at http://github.com/cyhuang-tw/speechcaps", [GH]),
        ("Repo: https://www.github.com/cyhuang-tw/speechcaps.git", [GH]),
        ("(code: https://github.com/cyhuang-tw/speechcaps)", [GH]),
        ("[code](https://github.com/cyhuang-tw/speechcaps), [demo](x)", [GH]),
        ("<https://github.com/cyhuang-tw/speechcaps>", [GH]),
        ('"https://github.com/cyhuang-tw/speechcaps";', [GH]),
        ("See https://github.com/cyhuang-tw/speechcaps...", [GH]),
        ("Accepted to INTERSPEECH 2024. Code: https://github.com/cyhuang-tw/speechcaps", [GH]),
        ("代码：https://github.com/cyhuang-tw/speechcaps。", [GH]),
        ("clone git@github.com:cyhuang-tw/speechcaps.git", [GH]),
        # deep links collapse to the repository
        ("https://github.com/cyhuang-tw/speechcaps/tree/main/data", [GH]),
        ("https://github.com/cyhuang-tw/speechcaps/blob/main/README.md#usage", [GH]),
        ("https://github.com/cyhuang-tw/speechcaps#readme", [GH]),
        ("https://github.com/cyhuang-tw/speechcaps?tab=readme-ov-file", [GH]),
        ("https://github.com/mrdoob/three.js.", ["https://github.com/mrdoob/three.js"]),
        ("HTTPS://GitHub.com/OpenAI/Whisper", ["https://github.com/OpenAI/Whisper"]),
        # PDF extraction artifacts
        ("https://github.com/cyhuang-\ntw/speechcaps", [GH]),
        ("https://github.com/cyhuang-\r\ntw/speechcaps", [GH]),
        ("https://github.com/cyhuang\x02tw/speechcaps", [GH]),  # pdfium's line-end hyphen mark
        ("https://github.com/\ncyhuang-tw/speechcaps", [GH]),
        ("https://github.com/cyhuang-tw/\nspeechcaps and more", [GH]),
        ("available at github.com/ cyhuang-tw/speechcaps", [GH]),
        ("https://github. com/cyhuang-tw/speechcaps", [GH]),
        ("https:// github.com/cyhuang-tw/speechcaps", [GH]),
        ("https://github.com/cyhuang-tw/spee\u00adchcaps", [GH]),  # soft hyphen
        ("https://github.com/cyhuang-tw/speechcaps\u200b.", [GH]),
        ("1https://github.com/cyhuang-tw/speechcaps", [GH]),  # footnote mark before
        ("code at https://github.com/cyhuang-tw/speechcaps.\nThe results", [GH]),
        ("code at https://github.com/cyhuang-tw/speechcaps\nthe results", [GH]),
        # other forges and project pages
        (
            "https://gitlab.com/group/sub/project/-/tree/main",
            ["https://gitlab.com/group/sub/project"],
        ),
        ("gitlab.com/group/project.git", ["https://gitlab.com/group/project"]),
        (
            "bitbucket.org/team/repo, codeberg.org/me/tool",
            ["https://bitbucket.org/team/repo", "https://codeberg.org/me/tool"],
        ),
        ("https://gitee.com/org/proj", ["https://gitee.com/org/proj"]),
        (
            "Project page: https://cyhuang-tw.github.io/speechcaps/",
            ["https://cyhuang-tw.github.io/speechcaps"],
        ),
        ("https://dreamfusion3d.github.io.", ["https://dreamfusion3d.github.io"]),
        ("https://x.github.io/demo/index.html", ["https://x.github.io/demo"]),
        ("https://multilexsum.\r\ngithub.io, which can be", ["https://multilexsum.github.io"]),
        (
            "https://huggingface.co/meta-llama/Llama-3.1-8B.",
            ["https://huggingface.co/meta-llama/Llama-3.1-8B"],
        ),
        (
            "https://huggingface.co/spaces/mteb/leaderboard",
            ["https://huggingface.co/spaces/mteb/leaderboard"],
        ),
        ("https://huggingface.co/datasets/org/set", ["https://huggingface.co/datasets/org/set"]),
        ("hf.co/org/model", ["https://huggingface.co/org/model"]),
        # never a code link
        ("Follow github.com/cyhuang-tw for updates", []),
        ("https://github.com/cyhuang-tw/ is my page", []),
        ("https://github.com/ and github.com", []),
        ("https://github.com/orgs/acme/repositories", []),
        ("https://github.com/sponsors/someone", []),
        ("https://github.com/topics/speech", []),
        ("https://gist.github.com/someone/0123abcd", []),
        ("mail me at someone@github.com", []),
        ("https://arxiv.org/abs/2408.13714 and arxiv.org/pdf/2408.13714v1", []),
        ("https://huggingface.co/papers/2408.13714", []),
        ("https://huggingface.co/docs/transformers", []),
        ("https://example.com/github.com", []),
        ("We use GitHub. Com-", []),
        ("", []),
    ],
)
def test_finds_canonical_code_urls(text: str, expected: list[str]) -> None:
    assert list(find_code_urls(text)) == expected


def test_order_of_first_appearance_across_texts_without_duplicates() -> None:
    abstract = "Project page: https://a.github.io/p. Code: https://github.com/a/p."
    comment = "Accepted at ACL. https://github.com/A/P"
    body = "We build on https://github.com/b/base and https://huggingface.co/a/p-7b."
    assert find_code_urls(abstract, comment, body) == (
        "https://a.github.io/p",
        "https://github.com/a/p",
        "https://github.com/b/base",
        "https://huggingface.co/a/p-7b",
    )


def test_a_repository_named_like_a_project_page_is_one_link() -> None:
    assert find_code_urls("https://github.com/x/x.github.io") == (
        "https://github.com/x/x.github.io",
    )


def test_a_footnote_mark_glued_to_a_url_seen_elsewhere_is_dropped() -> None:
    text = "code at https://github.com/bytedance/pasa2. 2https://github.com/bytedance/pasa"
    assert find_code_urls(text) == ("https://github.com/bytedance/pasa",)


def test_a_repository_whose_name_ends_in_digits_is_kept() -> None:
    assert find_code_urls("https://github.com/ultralytics/yolov5") == (
        "https://github.com/ultralytics/yolov5",
    )


def test_pasa_abstract_as_pdf_extraction_gives_it() -> None:
    # 2501.10120v1 (PaSa), page 1 as pypdfium2 extracts it
    text = (
        "in recall and 4.25% in pre\x02cision. Model, datasets, and code are available\r\n"
        "at https://github.com/bytedance/pasa.\r\n∗Equal contribution.\r\n†Corresponding a"
    )
    assert find_code_urls(text) == ("https://github.com/bytedance/pasa",)


def test_tacotron_footnote_project_page() -> None:
    # 1712.05884v2 (Tacotron 2), page 3: a dagger footnote mark glued before the sentence
    text = "towards our\r\n†Samples available at https://google.github.io/tacotron/publications/tacotron2."
    assert find_code_urls(text) == ("https://google.github.io/tacotron/publications/tacotron2",)


def test_every_broken_url_in_a_long_text_is_mended() -> None:
    text = "".join(f"Words. See https://github.com/a/b{i}-\nc for it.\n" for i in range(3000))
    found = find_code_urls(text)
    assert len(found) == 3000
    assert found[-1] == "https://github.com/a/b2999-c"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2501.10120v1.pdf", ("https://github.com/bytedance/pasa",)),
        (
            "2206.10883v3.pdf",
            ("https://multilexsum.github.io", "https://github.com/multilexsum/dataset"),
        ),
        ("1512.03385v1.pdf", ()),
    ],
)
def test_real_pdfs(name: str, expected: tuple[str, ...]) -> None:
    path = FIXTURES / "pdfs" / name
    if not path.exists():
        pytest.skip("shared fixtures are not available")
    pdfium = pytest.importorskip("pypdfium2")
    doc = pdfium.PdfDocument(path.read_bytes())
    try:
        pages = [doc[i].get_textpage().get_text_bounded() for i in range(len(doc))]
    finally:
        doc.close()
    assert find_code_urls(*pages)[: len(expected)] == expected
    if not expected:
        assert find_code_urls(*pages) == ()
