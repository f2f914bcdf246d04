"""A week's papers grouped into a few themes: TF-IDF of their texts, agglomerative clustering,
each theme named by its most distinctive terms. Deterministic: the same texts, the same themes.

scikit-learn is imported when a grouping is asked for (the bot starts without loading it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MOST_THEMES = 5
FEWEST_TO_SPLIT = 4  # fewer papers than this make one theme
NAME_TERMS = 3
PHRASE_SHARE = 0.75  # a phrase this distinctive, relative to its word, names the theme


@dataclass(frozen=True, slots=True)
class Theme:
    """One group of papers: their positions in the input, and the terms that set it apart."""

    members: tuple[int, ...]
    terms: tuple[str, ...]

    @property
    def name(self) -> str:
        """The theme named by its terms: "talking head · lip sync · audio"."""
        return " · ".join(self.terms)


def group(texts: Sequence[str], most: int = MOST_THEMES) -> list[Theme]:
    """Group ``texts`` into 1 to ``most`` themes, largest first.

    Fewer than FEWEST_TO_SPLIT texts make one theme; otherwise 2 to ``most`` (and fewer than
    the texts), the count whose clustering separates best (cosine silhouette; on a tie, fewer).
    """
    if not texts:
        return []
    import numpy as np
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import silhouette_score

    vectorizer = TfidfVectorizer(
        stop_words="english",
        sublinear_tf=True,
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b[^\W\d_][^\W_]+\b",
    )
    try:
        matrix = vectorizer.fit_transform(list(texts)).toarray()
    except ValueError:  # not one word to count
        return [Theme(tuple(range(len(texts))), ())]
    vocabulary = vectorizer.get_feature_names_out()
    labels = np.zeros(len(texts), dtype=int)
    distinct = len({row.tobytes() for row in matrix})
    if len(texts) >= FEWEST_TO_SPLIT and distinct > 2:
        best = -2.0
        for count in range(2, min(most, len(texts) - 1, distinct - 1) + 1):
            found = AgglomerativeClustering(n_clusters=count, linkage="ward").fit_predict(matrix)
            score = float(silhouette_score(matrix, found, metric="cosine"))
            if score > best + 1e-9:
                best, labels = score, found
    several = len(set(labels.tolist())) > 1
    overall = matrix.mean(axis=0) if several else np.zeros(matrix.shape[1])  # one: its top terms
    themes = []
    for label in sorted(set(labels.tolist())):
        members = tuple(int(i) for i in np.flatnonzero(labels == label))
        lift = matrix[list(members)].mean(axis=0) - overall
        themes.append(Theme(members, _terms(vocabulary, lift)))
    return sorted(themes, key=lambda t: (-len(t.members), t.members[0]))


def _terms(vocabulary: Sequence[str], lift: Sequence[float]) -> tuple[str, ...]:
    """The most distinctive terms, none sharing a word with one taken before it; a word gives
    way to a phrase holding it that is nearly as distinctive ("talking" to "talking head")."""
    order = sorted(range(len(vocabulary)), key=lambda i: (-lift[i], vocabulary[i]))
    phrases = [i for i in order if " " in vocabulary[i] and lift[i] > 0]
    chosen: list[str] = []
    words: set[str] = set()
    for i in order:
        if len(chosen) == NAME_TERMS or lift[i] <= 0:
            break
        term = vocabulary[i]
        if " " not in term:
            wider = [p for p in phrases if term in vocabulary[p].split()]
            phrase = vocabulary[wider[0]] if wider else ""
            if phrase and lift[wider[0]] >= PHRASE_SHARE * lift[i]:
                term = phrase if not words & set(phrase.split()) else term
        if words & set(term.split()):
            continue
        chosen.append(term)
        words.update(term.split())
    return tuple(chosen)
