"""Renderers kept across the reports of a batch give the same files: WeasyPrint's font
subsets remembered by `remember_font_subsets` give the same PDF bytes as subsetting every
font again."""

import html
import warnings
from typing import Any

import numpy as np
import pytest

from kpitools.reports import runner

pytestmark = pytest.mark.integration

#: Letters of the random pages: ASCII, accents, a few symbols of the report's text.
_LETTERS = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + list(
    "éèàüößçñøÅ±−–—…·✓%&<>")


def _page(rng: np.random.Generator, words: int = 40) -> str:
    """An HTML page of random words in the report's regular, bold, italic and mono faces."""
    parts = []
    for _ in range(words):
        word = html.escape("".join(rng.choice(_LETTERS, size=int(rng.integers(1, 9)))))
        tag = rng.choice(["span", "b", "i", "code"])
        parts.append(f"<{tag}>{word}</{tag}>")
    return ('<html><body style="font-family: \'DejaVu Sans\'">'
            f"<h2>{parts[0]}</h2><p>{' '.join(parts[1:])}</p></body></html>")


def _fonts() -> Any:
    """``weasyprint.pdf.fonts``, imported without WeasyPrint's HarfBuzz-Subset warning (the
    first import in a test worker may be this one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from weasyprint.pdf import fonts
    return fonts


def _original_subsetting(monkeypatch: pytest.MonkeyPatch) -> None:
    fonts = _fonts()

    runner.remember_font_subsets()
    monkeypatch.setattr(fonts.Font, "_fonttools_subset",
                        fonts.Font._fonttools_subset.__wrapped__)
    monkeypatch.setattr(runner, "remember_font_subsets", lambda: False)


def test_remembered_font_subsets_give_the_same_pdf(monkeypatch):
    # fontTools stamps each subset with the time of subsetting unless this is set
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    rng = np.random.default_rng(20261307)
    pages = [_page(rng) for _ in range(4)]
    pages += pages[:2]  # the same glyphs again: answered from the memo
    runner._FONT_SUBSETS.clear()
    remembered = [runner.html_to_pdf(page, engine="weasyprint") for page in pages]
    assert runner._FONT_SUBSETS  # the memo was used
    with monkeypatch.context() as m:
        _original_subsetting(m)
        fresh = [runner.html_to_pdf(page, engine="weasyprint") for page in pages]
    assert remembered == fresh
    assert len(set(fresh)) == 4


def test_font_subset_memo_is_bounded(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(runner, "FONT_SUBSET_MEMO_SIZE", 3)
    rng = np.random.default_rng(7)
    runner._FONT_SUBSETS.clear()
    for _ in range(3):
        runner.html_to_pdf(_page(rng, words=12), engine="weasyprint")
    assert len(runner._FONT_SUBSETS) == 3


def test_another_shape_of_the_private_method_is_left_alone(monkeypatch):
    """A WeasyPrint whose ``Font._fonttools_subset`` takes other arguments is not wrapped."""
    fonts = _fonts()

    def other_shape(self, glyphs, hinting, options):  # type: ignore[no-untyped-def]
        return None

    monkeypatch.setattr(fonts.Font, "_fonttools_subset", other_shape)
    assert runner.remember_font_subsets() is False
    assert fonts.Font._fonttools_subset is other_shape


def test_a_font_without_the_keyed_attributes_is_subset_without_the_memo(monkeypatch):
    fonts = _fonts()

    calls = []

    def plain(self, to_unicode, hinting):  # type: ignore[no-untyped-def]
        calls.append(to_unicode)

    monkeypatch.setattr(fonts.Font, "_fonttools_subset", plain)
    assert runner.remember_font_subsets() is True
    runner._FONT_SUBSETS.clear()
    fonts.Font._fonttools_subset(object(), {1: "a"}, False)  # no file_content: no memo
    assert calls == [{1: "a"}] and not runner._FONT_SUBSETS
