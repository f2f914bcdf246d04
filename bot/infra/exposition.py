"""Prometheus metrics without a dependency: counters, gauges, histograms in the text format 0.0.4.

Rendered sample for sample as ``prometheus_client.generate_latest`` writes them, without its
optional ``_created`` series and with label pairs in declared order (``le`` last) rather than
sorted; both are valid 0.0.4. Not a global registry: whoever builds a ``Registry`` passes it on.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import ClassVar

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
LabelKey = tuple[str, ...]


def format_value(value: float) -> str:
    """A sample value as Prometheus (Go) writes it: ``1.0``, ``+Inf``, ``NaN``, ``1.5e+06``."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    dot = text.find(".")
    if value > 0 and dot > 6:  # Go switches to exponents sooner than Python
        mantissa = f"{text[0]}.{text[1:dot]}{text[dot + 1 :]}".rstrip("0.")
        return f"{mantissa}e+{dot - 1:02d}"
    return text


def escape_label_value(value: str) -> str:
    """A label value with ``\\``, ``"`` and newline escaped."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text: str) -> str:
    """A HELP text with ``\\`` and newline escaped (quotes stay as they are)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _labels(pairs: Sequence[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{escape_label_value(v)}"' for k, v in pairs) + "}"


class Metric:
    """One metric family: a name, a help text, label names, and one child per label set."""

    kind: ClassVar[str] = "untyped"

    def __init__(self, name: str, help: str, labelnames: Sequence[str] = ()) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"invalid metric name {name!r}")
        for label in labelnames:
            if not _LABEL.fullmatch(label) or label.startswith("__") or label == "le":
                raise ValueError(f"invalid label name {label!r}")
        if len(set(labelnames)) != len(labelnames):
            raise ValueError(f"duplicate label names in {name}")
        self.name, self.help, self.labelnames = name, help, tuple(labelnames)
        self._lock = threading.Lock()

    def _key(self, labels: Mapping[str, str]) -> LabelKey:
        if set(labels) != set(self.labelnames):
            raise ValueError(f"{self.name} takes labels {self.labelnames}, got {tuple(labels)}")
        return tuple(str(labels[name]) for name in self.labelnames)

    def _pairs(self, key: LabelKey) -> list[tuple[str, str]]:
        return list(zip(self.labelnames, key, strict=True))

    def samples(self) -> list[str]:
        """The sample lines of every child, without the HELP and TYPE lines."""
        raise NotImplementedError

    def render(self) -> str:
        """HELP, TYPE and sample lines, each ending in a newline."""
        head = [f"# HELP {self.name} {escape_help(self.help)}", f"# TYPE {self.name} {self.kind}"]
        return "".join(line + "\n" for line in head + self.samples())


class _Scalar(Metric):
    """A counter or a gauge: one float per label set."""

    def __init__(self, name: str, help: str, labelnames: Sequence[str] = ()) -> None:
        super().__init__(name, help, labelnames)
        self._values: dict[LabelKey, float] = {} if labelnames else {(): 0.0}

    def _add(self, amount: float, labels: Mapping[str, str]) -> None:
        key = self._key(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        """The current value for one label set (0 when never recorded)."""
        return self._values.get(self._key(labels), 0.0)

    def samples(self) -> list[str]:
        """One line per label set, in the order they were first recorded."""
        with self._lock:
            items = list(self._values.items())
        return [f"{self.name}{_labels(self._pairs(k))} {format_value(v)}" for k, v in items]


class Counter(_Scalar):
    """A value that only goes up (name it ``…_total``)."""

    kind = "counter"

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Add ``amount`` (never negative) to the label set's value."""
        if amount < 0:
            raise ValueError("a counter can only increase")
        self._add(amount, labels)


class Gauge(_Scalar):
    """A value that goes up and down."""

    kind = "gauge"

    def set(self, value: float, **labels: str) -> None:
        """Replace the label set's value."""
        key = self._key(labels)
        with self._lock:
            self._values[key] = float(value)

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Add ``amount`` to the label set's value."""
        self._add(amount, labels)

    def dec(self, amount: float = 1.0, **labels: str) -> None:
        """Subtract ``amount`` from the label set's value."""
        self._add(-amount, labels)


class Histogram(Metric):
    """Observations counted into fixed buckets (upper bounds; ``+Inf`` is added)."""

    kind = "histogram"

    def __init__(
        self, name: str, help: str, labelnames: Sequence[str] = (), *, buckets: Sequence[float]
    ) -> None:
        super().__init__(name, help, labelnames)
        bounds = sorted(float(b) for b in buckets)
        if not bounds or len(set(bounds)) != len(bounds) or any(math.isnan(b) for b in bounds):
            raise ValueError("buckets must be distinct numbers")
        self.buckets = tuple(bounds if bounds[-1] == math.inf else [*bounds, math.inf])
        self._counts: dict[LabelKey, list[int]] = {}
        self._sums: dict[LabelKey, float] = {}
        if not labelnames:
            self._counts[()], self._sums[()] = [0] * len(self.buckets), 0.0

    def observe(self, value: float, **labels: str) -> None:
        """Count one observation in the first bucket whose bound is at least ``value``."""
        key = self._key(labels)
        index = next(i for i, bound in enumerate(self.buckets) if value <= bound)
        with self._lock:
            counts = self._counts.setdefault(key, [0] * len(self.buckets))
            counts[index] += 1
            self._sums[key] = self._sums.get(key, 0.0) + value

    @contextmanager
    def time(self, **labels: str) -> Iterator[None]:
        """Observe how many seconds the ``with`` block took, whether or not it raised."""
        self._key(labels)  # refuse wrong labels before the block runs, not after
        start = time.perf_counter()
        try:
            yield
        finally:
            self.observe(time.perf_counter() - start, **labels)

    def count(self, **labels: str) -> int:
        """How many observations the label set has."""
        return sum(self._counts.get(self._key(labels), ()))

    def samples(self) -> list[str]:
        """Cumulative ``_bucket`` lines up to ``le="+Inf"``, then ``_count`` and ``_sum``."""
        with self._lock:
            items = [(k, list(c), self._sums[k]) for k, c in self._counts.items()]
        lines: list[str] = []
        for key, counts, total in items:
            pairs, running = self._pairs(key), 0
            for bound, count in zip(self.buckets, counts, strict=True):
                running += count
                le = _labels([*pairs, ("le", format_value(bound))])
                lines.append(f"{self.name}_bucket{le} {format_value(running)}")
            lines.append(f"{self.name}_count{_labels(pairs)} {format_value(running)}")
            lines.append(f"{self.name}_sum{_labels(pairs)} {format_value(total)}")
        return lines


class Registry:
    """Metric families in registration order, rendered together."""

    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}

    def register(self, metric: Metric) -> None:
        """Add a family; a second family of the same name is refused."""
        if metric.name in self._metrics:
            raise ValueError(f"metric {metric.name} is already registered")
        self._metrics[metric.name] = metric

    def render(self) -> str:
        """The whole exposition, in the text format 0.0.4."""
        return "".join(metric.render() for metric in self._metrics.values())
