"""The Prometheus text format 0.0.4: golden output for each metric type, escaping, validation."""

from __future__ import annotations

import math
import re

import pytest

from bot.infra.exposition import (
    Counter,
    Gauge,
    Histogram,
    Registry,
    escape_help,
    escape_label_value,
    format_value,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0.0"),
        (1, "1.0"),
        (2.5, "2.5"),
        (-3.0, "-3.0"),
        (0.0008, "0.0008"),
        (123456.0, "123456.0"),
        (1234567.0, "1.234567e+06"),  # Go's switch to exponents, as prometheus_client writes it
        (1e6, "1e+06"),
        (1e-7, "1e-07"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (math.nan, "NaN"),
    ],
)
def test_values_are_written_as_prometheus_writes_them(value: float, text: str) -> None:
    assert format_value(value) == text


def test_counter_golden() -> None:
    calls = Counter("app_calls_total", "Calls made.", ("provider", "outcome"))
    calls.inc(provider="gemini", outcome="ok")
    calls.inc(2, provider="gemini", outcome="ok")
    calls.inc(provider="openai", outcome="timeout")
    assert calls.render() == (
        "# HELP app_calls_total Calls made.\n"
        "# TYPE app_calls_total counter\n"
        'app_calls_total{provider="gemini",outcome="ok"} 3.0\n'
        'app_calls_total{provider="openai",outcome="timeout"} 1.0\n'
    )
    assert calls.value(provider="gemini", outcome="ok") == 3.0
    assert calls.value(provider="gemini", outcome="timeout") == 0.0


def test_metrics_without_labels_show_zero_and_labelled_ones_show_only_their_header() -> None:
    assert (
        Counter("a_total", "A.").render()
        == "# HELP a_total A.\n# TYPE a_total counter\na_total 0.0\n"
    )
    assert Gauge("b", "B.", ("x",)).render() == "# HELP b B.\n# TYPE b gauge\n"


def test_gauge_golden() -> None:
    up = Gauge("app_connected", "Connected.", ("platform",))
    up.set(1, platform="telegram")
    up.set(0, platform="discord")
    up.inc(platform="discord")
    up.dec(0.5, platform="telegram")
    assert up.render() == (
        "# HELP app_connected Connected.\n"
        "# TYPE app_connected gauge\n"
        'app_connected{platform="telegram"} 0.5\n'
        'app_connected{platform="discord"} 1.0\n'
    )


def test_histogram_golden_buckets_are_cumulative() -> None:
    latency = Histogram("app_seconds", "Time taken.", buckets=(0.5, 1, 5))
    for value in (0.1, 0.5, 0.7, 3, 8):
        latency.observe(value)
    assert latency.render() == (
        "# HELP app_seconds Time taken.\n"
        "# TYPE app_seconds histogram\n"
        'app_seconds_bucket{le="0.5"} 2.0\n'  # 0.5 falls in le="0.5": bounds are inclusive
        'app_seconds_bucket{le="1.0"} 3.0\n'
        'app_seconds_bucket{le="5.0"} 4.0\n'
        'app_seconds_bucket{le="+Inf"} 5.0\n'
        "app_seconds_count 5.0\n"
        "app_seconds_sum 12.3\n"
    )
    assert latency.count() == 5


def test_histogram_with_labels_puts_le_last_and_keeps_series_apart() -> None:
    h = Histogram("job_seconds", "Jobs.", ("kind",), buckets=(10,))
    h.observe(3, kind="a")
    h.observe(30, kind="b")
    assert h.render().splitlines()[2:] == [
        'job_seconds_bucket{kind="a",le="10.0"} 1.0',
        'job_seconds_bucket{kind="a",le="+Inf"} 1.0',
        'job_seconds_count{kind="a"} 1.0',
        'job_seconds_sum{kind="a"} 3.0',
        'job_seconds_bucket{kind="b",le="10.0"} 0.0',
        'job_seconds_bucket{kind="b",le="+Inf"} 1.0',
        'job_seconds_count{kind="b"} 1.0',
        'job_seconds_sum{kind="b"} 30.0',
    ]


def test_an_empty_histogram_without_labels_shows_zero_buckets() -> None:
    lines = Histogram("idle_seconds", "Idle.", buckets=(1.0, math.inf)).render().splitlines()
    assert lines[2:] == [
        'idle_seconds_bucket{le="1.0"} 0.0',
        'idle_seconds_bucket{le="+Inf"} 0.0',  # +Inf given once is not repeated
        "idle_seconds_count 0.0",
        "idle_seconds_sum 0.0",
    ]


def test_histogram_time_observes_the_block_even_when_it_raises() -> None:
    h = Histogram("t_seconds", "T.", buckets=(60,))
    with pytest.raises(RuntimeError), h.time():
        raise RuntimeError("boom")
    assert h.count() == 1
    assert 'le="60.0"} 1.0' in h.render()


def test_label_values_and_help_are_escaped() -> None:
    assert escape_label_value('a\\b"c\nd') == 'a\\\\b\\"c\\nd'
    assert escape_help('say "hi"\\now\nthen') == 'say "hi"\\\\now\\nthen'
    c = Counter("esc_total", 'Help with \\ and\na newline and "quotes".', ("path",))
    c.inc(path='C:\\dir\n"x"')
    assert c.render() == (
        '# HELP esc_total Help with \\\\ and\\na newline and "quotes".\n'
        "# TYPE esc_total counter\n"
        'esc_total{path="C:\\\\dir\\n\\"x\\""} 1.0\n'
    )


def test_every_rendered_line_matches_the_text_format() -> None:
    registry = Registry()
    c = Counter("x_total", "X.", ("a",))
    h = Histogram("y_seconds", "Y.", ("b",), buckets=(1, 2))
    registry.register(c)
    registry.register(h)
    c.inc(a='we"ird\\')
    h.observe(1.5, b="multi\nline")
    sample = re.compile(
        r'[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? '
        r"(-?[0-9.e+]+|[+-]Inf|NaN)"
    )
    text = registry.render()
    assert text.endswith("\n")
    for line in text.splitlines():
        assert line.startswith(("# HELP ", "# TYPE ")) or sample.fullmatch(line), line


@pytest.mark.parametrize(
    "make",
    [
        lambda: Counter("bad-name_total", "x"),
        lambda: Counter("ok_total", "x", ("bad-label",)),
        lambda: Counter("ok_total", "x", ("__reserved",)),
        lambda: Histogram("ok", "x", ("le",), buckets=(1,)),
        lambda: Counter("ok_total", "x", ("a", "a")),
        lambda: Histogram("ok", "x", buckets=()),
        lambda: Histogram("ok", "x", buckets=(1, 1)),
    ],
)
def test_invalid_definitions_are_refused(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


def test_wrong_labels_and_negative_increments_are_refused() -> None:
    c = Counter("c_total", "C.", ("a", "b"))
    with pytest.raises(ValueError, match="takes labels"):
        c.inc(a="1")
    with pytest.raises(ValueError, match="takes labels"):
        c.inc(a="1", b="2", extra="3")
    with pytest.raises(ValueError, match="only increase"):
        c.inc(-1, a="1", b="2")
    with (
        pytest.raises(ValueError, match="takes labels"),
        Histogram("h", "H.", buckets=(1,)).time(x="1"),
    ):
        pass
    assert c.render() == "# HELP c_total C.\n# TYPE c_total counter\n"


def test_registry_renders_in_registration_order_and_refuses_duplicates() -> None:
    registry = Registry()
    registry.register(Gauge("second", "S."))
    registry.register(Counter("first_total", "F."))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Gauge("second", "Again."))
    assert [line for line in registry.render().splitlines() if line.startswith("# TYPE")] == [
        "# TYPE second gauge",
        "# TYPE first_total counter",
    ]
