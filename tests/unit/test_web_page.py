"""The web client's one page is well nested: every element it opens is closed, in order. A
merge once dropped a panel's closing tag, which put every later screen inside a hidden one
(the browser repairs such HTML silently, so only the browser tests noticed)."""

from html.parser import HTMLParser
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "src/api/web/index.html"
# Elements that have no closing tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class Nesting(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, int]] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.open.append((tag, self.getpos()[0]))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            expected = f"</{self.open[-1][0]}> of line {self.open[-1][1]}" if self.open else "none"
            self.problems.append(f"line {self.getpos()[0]}: </{tag}>, expected {expected}")
            return
        self.open.pop()


def test_every_element_of_the_page_is_closed_in_order():
    nesting = Nesting()
    nesting.feed(PAGE.read_text(encoding="utf-8"))
    nesting.close()
    assert nesting.problems == []
    assert nesting.open == []
