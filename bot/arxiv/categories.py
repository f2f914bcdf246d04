"""The arXiv category taxonomy, and parsing the categories a user subscribes to."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from types import MappingProxyType

from bot.errors import BadInput

EXAMPLE = "Example: cs.CV cs.GR eess.AS"
TAXONOMY_URL = "https://arxiv.org/category_taxonomy"
MAX_CATEGORIES = 20

_GROUPS: dict[str, str] = {
    "cs": "AI Artificial Intelligence|AR Hardware Architecture|CC Computational Complexity|"
    "CE Computational Engineering, Finance, and Science|CG Computational Geometry|"
    "CL Computation and Language|CR Cryptography and Security|"
    "CV Computer Vision and Pattern Recognition|CY Computers and Society|DB Databases|"
    "DC Distributed, Parallel, and Cluster Computing|DL Digital Libraries|"
    "DM Discrete Mathematics|DS Data Structures and Algorithms|ET Emerging Technologies|"
    "FL Formal Languages and Automata Theory|GL General Literature|GR Graphics|"
    "GT Computer Science and Game Theory|HC Human-Computer Interaction|"
    "IR Information Retrieval|IT Information Theory|LG Machine Learning|"
    "LO Logic in Computer Science|MA Multiagent Systems|MM Multimedia|"
    "MS Mathematical Software|NA Numerical Analysis|NE Neural and Evolutionary Computing|"
    "NI Networking and Internet Architecture|OH Other Computer Science|OS Operating Systems|"
    "PF Performance|PL Programming Languages|RO Robotics|SC Symbolic Computation|SD Sound|"
    "SE Software Engineering|SI Social and Information Networks|SY Systems and Control",
    "econ": "EM Econometrics|GN General Economics|TH Theoretical Economics",
    "eess": "AS Audio and Speech Processing|IV Image and Video Processing|"
    "SP Signal Processing|SY Systems and Control",
    "math": "AC Commutative Algebra|AG Algebraic Geometry|AP Analysis of PDEs|"
    "AT Algebraic Topology|CA Classical Analysis and ODEs|CO Combinatorics|"
    "CT Category Theory|CV Complex Variables|DG Differential Geometry|DS Dynamical Systems|"
    "FA Functional Analysis|GM General Mathematics|GN General Topology|GR Group Theory|"
    "GT Geometric Topology|HO History and Overview|IT Information Theory|"
    "KT K-Theory and Homology|LO Logic|MG Metric Geometry|MP Mathematical Physics|"
    "NA Numerical Analysis|NT Number Theory|OA Operator Algebras|OC Optimization and Control|"
    "PR Probability|QA Quantum Algebra|RA Rings and Algebras|RT Representation Theory|"
    "SG Symplectic Geometry|SP Spectral Theory|ST Statistics Theory",
    "astro-ph": "CO Cosmology and Nongalactic Astrophysics|EP Earth and Planetary Astrophysics|"
    "GA Astrophysics of Galaxies|HE High Energy Astrophysical Phenomena|"
    "IM Instrumentation and Methods for Astrophysics|SR Solar and Stellar Astrophysics",
    "cond-mat": "dis-nn Disordered Systems and Neural Networks|"
    "mes-hall Mesoscale and Nanoscale Physics|mtrl-sci Materials Science|"
    "other Other Condensed Matter|quant-gas Quantum Gases|soft Soft Condensed Matter|"
    "stat-mech Statistical Mechanics|str-el Strongly Correlated Electrons|"
    "supr-con Superconductivity",
    "nlin": "AO Adaptation and Self-Organizing Systems|CD Chaotic Dynamics|"
    "CG Cellular Automata and Lattice Gases|PS Pattern Formation and Solitons|"
    "SI Exactly Solvable and Integrable Systems",
    "physics": "acc-ph Accelerator Physics|ao-ph Atmospheric and Oceanic Physics|"
    "app-ph Applied Physics|atm-clus Atomic and Molecular Clusters|atom-ph Atomic Physics|"
    "bio-ph Biological Physics|chem-ph Chemical Physics|class-ph Classical Physics|"
    "comp-ph Computational Physics|data-an Data Analysis, Statistics and Probability|"
    "ed-ph Physics Education|flu-dyn Fluid Dynamics|gen-ph General Physics|"
    "geo-ph Geophysics|hist-ph History and Philosophy of Physics|"
    "ins-det Instrumentation and Detectors|med-ph Medical Physics|optics Optics|"
    "plasm-ph Plasma Physics|pop-ph Popular Physics|soc-ph Physics and Society|"
    "space-ph Space Physics",
    "q-bio": "BM Biomolecules|CB Cell Behavior|GN Genomics|MN Molecular Networks|"
    "NC Neurons and Cognition|OT Other Quantitative Biology|PE Populations and Evolution|"
    "QM Quantitative Methods|SC Subcellular Processes|TO Tissues and Organs",
    "q-fin": "CP Computational Finance|EC Economics|GN General Finance|"
    "MF Mathematical Finance|PM Portfolio Management|PR Pricing of Securities|"
    "RM Risk Management|ST Statistical Finance|TR Trading and Market Microstructure",
    "stat": "AP Applications|CO Computation|ME Methodology|ML Machine Learning|"
    "OT Other Statistics|TH Statistics Theory",
}

_SINGLE: dict[str, str] = {
    "gr-qc": "General Relativity and Quantum Cosmology",
    "hep-ex": "High Energy Physics - Experiment",
    "hep-lat": "High Energy Physics - Lattice",
    "hep-ph": "High Energy Physics - Phenomenology",
    "hep-th": "High Energy Physics - Theory",
    "math-ph": "Mathematical Physics",
    "nucl-ex": "Nuclear Experiment",
    "nucl-th": "Nuclear Theory",
    "quant-ph": "Quantum Physics",
}


def _build() -> dict[str, str]:
    table: dict[str, str] = {}
    for archive, entries in _GROUPS.items():
        for entry in entries.split("|"):
            code, name = entry.split(" ", 1)
            table[f"{archive}.{code}"] = name
    return {**table, **_SINGLE}


CATEGORIES: Mapping[str, str] = MappingProxyType(_build())
"""Every current arXiv category (e.g. ``cs.CV``) with its English name."""

ARCHIVES: frozenset[str] = frozenset({*_GROUPS, *_SINGLE})
"""The archive names the announcement feeds accept on their own (``cs``, ``math``, ``gr-qc``…).

A bare archive with subject classes (``cs``) subscribes to all of them; it is also accepted.
"""

_CANONICAL: Mapping[str, str] = MappingProxyType(
    {code.lower(): code for code in (*CATEGORIES, *ARCHIVES)}
)
_SEPARATORS = re.compile(r"[\s,;]+")


def is_category(text: str) -> bool:
    """Whether ``text`` names a known category or archive (any case)."""
    return text.strip().lower() in _CANONICAL


def category_name(code: str) -> str:
    """The English name of a category or archive (``cs.CV`` -> Computer Vision and …)."""
    if code in CATEGORIES:
        return CATEGORIES[code]
    return f"all of {code}" if code in ARCHIVES else code


def suggest(text: str, limit: int = 3) -> list[str]:
    """Known categories close to ``text``: near spellings, a word of their name, far spellings."""
    wanted = text.strip().lower()
    archive, _, word = wanted.rpartition(".")
    codes = list(_CANONICAL)
    found = difflib.get_close_matches(wanted, codes, n=limit, cutoff=0.8)
    if len(word) >= 3:
        for code, name in CATEGORIES.items():
            in_archive = not archive or code.lower().startswith(archive + ".")
            if in_archive and word in name.lower() and code.lower() not in found:
                found.append(code.lower())
    for code in difflib.get_close_matches(wanted, codes, n=limit, cutoff=0.6):
        if code not in found:
            found.append(code)
    return [_CANONICAL[code] for code in found[:limit]]


def _alternatives(codes: list[str]) -> str:
    return codes[0] if len(codes) == 1 else f"{', '.join(codes[:-1])} or {codes[-1]}"


def parse_categories(text: str) -> tuple[str, ...]:
    """Read categories separated by spaces or commas, e.g. ``cs.cv, cs.GR`` -> (cs.CV, cs.GR)."""
    tokens = [t for t in _SEPARATORS.split(text.strip()) if t]
    if not tokens:
        raise BadInput(f"Which arXiv categories? {EXAMPLE}")
    found: list[str] = []
    for token in tokens:
        code = _CANONICAL.get(token.lower())
        if code is None:
            close = suggest(token)
            hint = f"Did you mean {_alternatives(close)}?" if close else f"See {TAXONOMY_URL}."
            raise BadInput(f'"{token[:40]}" is not an arXiv category. {hint} {EXAMPLE}')
        if code not in found:
            found.append(code)
    if len(found) > MAX_CATEGORIES:
        raise BadInput(f"At most {MAX_CATEGORIES} categories per subscription. {EXAMPLE}")
    return tuple(found)
