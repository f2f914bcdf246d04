"""A week's papers grouped into a few themes: TF-IDF of their texts, agglomerative clustering,
each theme named by its most distinctive terms. Deterministic: the same texts, the same themes.

Bounded whatever the week holds: the vocabulary keeps its ``MOST_TERMS`` most frequent terms and
stays sparse; beyond ``SVD_DIMS`` papers the vectors are reduced to ``SVD_DIMS`` dimensions
(truncated SVD) before clustering; only the newest ``MOST_CLUSTERED`` papers are clustered and
each older one joins the theme whose centre is closest to it.

scikit-learn is imported when a grouping is asked for (the bot starts without loading it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray
    from scipy.sparse import csr_matrix

MOST_THEMES = 5
FEWEST_TO_SPLIT = 4  # fewer papers than this make one theme
NAME_TERMS = 3
PHRASE_SHARE = 0.75  # a phrase this distinctive, relative to its word, names the theme
MOST_CLUSTERED = 200  # the newest papers clustered; older ones join the closest theme
MOST_TERMS = 5000  # vocabulary: the most frequent words and phrases
SVD_DIMS = 100  # more papers than this are clustered on this many SVD dimensions


@dataclass(frozen=True, slots=True)
class Theme:
    """One group of papers: their positions in the input, and the terms that set it apart."""

    members: tuple[int, ...]
    terms: tuple[str, ...]

    @property
    def name(self) -> str:
        """The theme named by its terms: "talking head · lip sync · audio"."""
        return " · ".join(self.terms)


def group(
    texts: Sequence[str], most: int = MOST_THEMES, clustered: int = MOST_CLUSTERED
) -> list[Theme]:
    """Group ``texts`` (oldest first) into 1 to ``most`` themes, largest first.

    The newest ``clustered`` texts are clustered: fewer than FEWEST_TO_SPLIT make one theme;
    otherwise 2 to ``most`` (and fewer than the texts), the count whose clustering separates
    best (cosine silhouette; on a tie, fewer). Each older text joins the closest theme.
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
        max_features=MOST_TERMS,
    )
    try:
        matrix = vectorizer.fit_transform(list(texts)).tocsr()  # sparse, rows of unit length
    except ValueError:  # not one word to count
        return [Theme(tuple(range(len(texts))), ())]
    vocabulary = vectorizer.get_feature_names_out()
    features = _features(matrix)
    newest = np.arange(max(0, len(texts) - max(clustered, 1)), len(texts))
    sample = features[newest]
    labels = np.zeros(len(texts), dtype=int)
    distinct = len({row.tobytes() for row in sample})
    if len(newest) >= FEWEST_TO_SPLIT and distinct > 2:
        best, chosen = -2.0, np.zeros(len(newest), dtype=int)
        for count in range(2, min(most, len(newest) - 1, distinct - 1) + 1):
            found = AgglomerativeClustering(n_clusters=count, linkage="ward").fit_predict(sample)
            score = float(silhouette_score(sample, found, metric="cosine"))
            if score > best + 1e-9:
                best, chosen = score, found
        labels = _closest(features, newest, chosen)
    several = len(set(labels.tolist())) > 1
    overall = _mean(matrix, np.arange(len(texts))) if several else np.zeros(matrix.shape[1])
    themes = []
    for label in sorted(set(labels.tolist())):
        members = np.flatnonzero(labels == label)
        lift = _mean(matrix, members) - overall  # one theme: its top terms
        themes.append(Theme(tuple(int(i) for i in members), _terms(vocabulary, lift.tolist())))
    return sorted(themes, key=lambda t: (-len(t.members), t.members[0]))


def _features(matrix: csr_matrix) -> NDArray[np.float64]:
    """What the clustering reads, dense and of unit length: the TF-IDF rows themselves, or
    beyond SVD_DIMS papers (and terms) their SVD_DIMS-dimensional truncated SVD."""
    import numpy as np
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    rows, columns = matrix.shape
    if rows <= SVD_DIMS or columns <= SVD_DIMS:
        return np.asarray(matrix.toarray(), dtype=np.float64)
    reduced = TruncatedSVD(n_components=SVD_DIMS, random_state=0).fit_transform(matrix)
    return np.asarray(normalize(reduced), dtype=np.float64)


def _closest(
    features: NDArray[np.float64], clustered: NDArray[np.int_], labels: NDArray[np.int_]
) -> NDArray[np.int_]:
    """Every text's label: the clustered ones' own, each other's that of the closest centre."""
    import numpy as np

    every = np.zeros(len(features), dtype=int)
    every[clustered] = labels
    others = np.setdiff1d(np.arange(len(features)), clustered)
    if len(others):
        kinds = sorted(set(labels.tolist()))
        centres = np.stack([features[clustered[labels == k]].mean(axis=0) for k in kinds])
        centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
        nearest = np.argmax(features[others] @ centres.T, axis=1)
        every[others] = np.asarray(kinds)[nearest]
    return every


def _mean(matrix: csr_matrix, rows: NDArray[np.int_]) -> NDArray[np.float64]:
    """The mean TF-IDF vector of some rows, dense (one value per term)."""
    import numpy as np

    return np.asarray(matrix[rows].mean(axis=0), dtype=np.float64).ravel()


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
