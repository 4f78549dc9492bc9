"""The web client's page is well formed: every element it opens is closed in order, and each
screen (a view of views.js) is a child of <main>, not nested in another screen, where it
would stay hidden with it (a merge once left a <section> unclosed and hid four screens)."""

import re
from html.parser import HTMLParser
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "src" / "api" / "web"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.parents: dict[str, list[str]] = {}  # an element's id -> the tags around it
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        element_id = dict(attrs).get("id")
        if element_id:
            self.parents[element_id] = [f"{t}#{i}" if i else t for t, i in self.open]
        self.open.append((tag, element_id))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.open or self.open[-1][0] != tag:
            self.problems.append(f"</{tag}> at line {self.getpos()[0]} closes {self.open[-1:]}")
            return
        self.open.pop()


def outline() -> Outline:
    parsed = Outline()
    parsed.feed((WEB / "index.html").read_text())
    parsed.close()
    return parsed


def test_every_element_is_closed_in_order():
    parsed = outline()
    assert parsed.problems == []
    assert parsed.open == []


def test_each_screen_is_a_child_of_main():
    views = re.search(r"const VIEWS = \[(.*?)\];", (WEB / "views.js").read_text())
    assert views is not None
    screens = re.findall(r'"([\w-]+)"', views[1])
    parents = outline().parents
    for screen in screens:
        assert parents[screen] == ["html", "body", "main#main"], screen
