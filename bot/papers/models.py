"""Records that flow through the pipeline: paper metadata, full text, figure and analysis."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")


class PaperId(BaseModel, frozen=True):
    """An arXiv identifier, new (2408.13714) or old style (hep-th/9901001), with optional version."""

    base: str
    version: int | None = None

    @property
    def versioned(self) -> str:
        """The id with its version suffix, e.g. ``2408.13714v2`` (requires a version)."""
        if self.version is None:
            raise ValueError(f"{self.base} has no version")
        return f"{self.base}v{self.version}"

    def __str__(self) -> str:
        return self.base if self.version is None else f"{self.base}v{self.version}"


class PaperMeta(BaseModel, frozen=True):
    """What arXiv's API says about one version of a paper (the only source of these facts)."""

    id: PaperId  # always versioned
    title: str
    authors: tuple[str, ...]
    abstract: str
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    primary_category: str
    categories: tuple[str, ...] = ()
    published: datetime
    updated: datetime

    @property
    def abs_url(self) -> str:
        """The canonical abstract page of this version."""
        return f"https://arxiv.org/abs/{self.id.versioned}"

    @property
    def pdf_url(self) -> str:
        """The canonical PDF of this version."""
        return f"https://arxiv.org/pdf/{self.id.versioned}"


SectionKind = Literal[
    "abstract", "introduction", "related", "method", "experiments", "conclusion", "other"
]


class TextSection(BaseModel, frozen=True):
    """One section of a paper's full text, with where it came from."""

    heading: str
    kind: SectionKind = "other"
    text: str
    page: int | None = None  # 1-based first page, for PDFs


class FullText(BaseModel, frozen=True):
    """A paper's full text split into sections, plus what we read off it for grounding."""

    source: Literal["html", "pdf", "abstract"]
    sections: tuple[TextSection, ...]
    first_page: str = ""  # text of the first page (affiliations are printed there)
    code_urls: tuple[str, ...] = ()  # found by pattern in abstract, comment and text
    pages: int | None = None

    def text_of(self, kind: SectionKind) -> str:
        """All text of the sections of one kind, joined."""
        return "\n\n".join(s.text for s in self.sections if s.kind == kind)


class Figure(BaseModel, frozen=True):
    """The teaser figure: an image and its caption."""

    data: bytes
    mime: str = "image/png"
    caption: str = ""
    source_url: str | None = None  # where arXiv serves it (HTML figures), for Markdown output


class ClaimCheck(BaseModel):
    """What checking a model-written Analysis against the paper found (bot.summaries.claims).

    ``checked`` claims: each takeaway (its quote, numbers and names), each sentence of the other
    fields that states a number or a name, each performance quote. An unsupported claim was
    ``removed``, or ``marked`` when removing it would have left its field empty.
    """

    checked: int = 0
    removed: int = 0
    marked: int = 0
    against: Literal["paper", "abstract"] = "paper"  # the full text, or only the abstract
    retried: bool = False  # too much failed at first; the model was asked again


def _quotes_required(schema: JsonDict) -> None:
    """The model must give its evidence (the defaults only serve records made elsewhere)."""
    required = schema.setdefault("required", [])
    if isinstance(required, list):
        required += [q for q in ("takeaway_quotes", "performance_quotes") if q not in required]


class Analysis(BaseModel):
    """The model-written parts of the ChatPaper format (FORMAT.md items 3-5), in the reader's language.

    Everything factual (title, authors, links, code) is added from metadata, never from here.
    The quotes are the model's evidence, checked against the paper and never shown to readers;
    ``check`` is set by paperbot (never by the model: it is not in the schema) once they are.
    """

    model_config = ConfigDict(json_schema_extra=_quotes_required)

    summary: str = Field(
        description="One sentence, at most 100 characters, naming the contribution."
    )
    takeaways: list[str] = Field(description="5 to 9 short, specific bullets.")
    takeaway_quotes: list[str] = Field(
        default_factory=list,
        description="For each takeaway, in the same order, one short sentence or phrase copied "
        "word for word from the paper (in the paper's language) that supports it.",
    )
    title_translation: str = Field(
        description="The title translated into the reader's language, or empty when it is the same."
    )
    affiliation: str = Field(
        description="The first author's affiliation exactly as printed on page 1, or 'not stated'."
    )
    keywords: list[str] = Field(description="3 to 6 keywords.")
    background: str = Field(description="(1) The research background.")
    past_methods: str = Field(
        description="(2) Past methods, their concrete problems, and why this approach is motivated."
    )
    method: str = Field(description="(3) The proposed method.")
    performance: str = Field(
        description="(4) Task, datasets, numbers achieved against named baselines, and whether they "
        "support the goals; 'not stated' where the paper does not say."
    )
    performance_quotes: list[str] = Field(
        default_factory=list,
        description="The sentences or table rows of the paper, copied word for word, that hold "
        "the numbers, datasets and baselines named in performance and performance_assessment.",
    )
    method_steps: list[str] = Field(description="The method as 3 to 8 numbered steps.")
    significance: str = Field(description="Conclusion (1): the significance of the work.")
    innovation: str = Field(description="Conclusion (2): innovation point, specific.")
    performance_assessment: str = Field(description="Conclusion (2): performance, with numbers.")
    workload: str = Field(description="Conclusion (2): workload (data, compute, effort).")
    check: SkipJsonSchema[ClaimCheck | None] = None


class PaperSummary(BaseModel):
    """Everything a paper post needs: facts from metadata and text, analysis from the model."""

    meta: PaperMeta
    language: Language
    analysis: Analysis
    code_urls: tuple[str, ...] = ()
    model_label: str  # who wrote the analysis, e.g. "Gemini (gemini-2.5-flash)"
    extractive: bool = False
    text_source: Literal["html", "pdf", "abstract"] = "pdf"
    has_figure: bool = False
