"""The README stands on its own: what it names is explained before it is used, and everything
it points to is in the repository."""

import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
README = (REPOSITORY / "README.md").read_text()


def paragraph_of_first(word: str) -> str:
    at = README.index(word)
    start = README.rfind("\n\n", 0, at) + 2
    return README[start : README.index("\n\n", at)]


def test_the_assignment_is_explained_where_it_is_first_named():
    first = paragraph_of_first("assignment")
    assert first.startswith("**The assignment**, as this README calls it, is the written spec")
    assert "docs/api.md" in first  # where its contract is written down


def test_node_env_is_explained_where_it_is_first_named():
    first = paragraph_of_first("NODE_ENV")
    for mode in ("development", "production", "test"):
        assert re.search(rf"`{mode}`[^;]* (fills|refuses|behaves)", first), mode


def test_every_link_and_path_it_gives_is_in_the_repository():
    assert "../" not in README
    for target in re.findall(r"\]\(([^)#]+)[^)]*\)", README):
        if not re.match(r"[a-z]+://", target):
            assert (REPOSITORY / target).exists(), target
