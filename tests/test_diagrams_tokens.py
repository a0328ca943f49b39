"""nnbook/diagrams/tokens.py (chapter 19): the merge tree has one box per byte and per
merge applied, its top boxes are the word's tokens; the token row is the encoding."""

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import nnbook as nb  # noqa: E402
from figure_helpers import boxes, close_figures, min_fontsize, texts  # noqa: E402,F401
from nnbook.diagrams.tokens import merge_steps  # noqa: E402


@pytest.fixture(scope="module")
def tokenizer():
    text = "the cat, the catlet, the catling; the cats and the catlings. " * 3
    return nb.data.BPETokenizer.train(text, 256 + 12, pattern=nb.data.BPETokenizer.GPT2_PATTERN)


def test_merge_tree_boxes_are_bytes_merges_and_tokens(tokenizer):
    word = " catlings"
    ids = tokenizer.encode(word)
    steps = merge_steps(tokenizer, word)
    n_merged = sum(len(joined) for _, joined in steps)
    ax = nb.diagrams.merge_tree(tokenizer, word)
    finals = boxes(ax, "token")
    assert len(boxes(ax, "byte")) + len(boxes(ax, "merge")) + len(finals) == 9 + n_merged
    assert len(finals) == len(ids) and len(ids) == 9 - n_merged        # each merge: one fewer
    shown = texts(ax)
    for i in ids:                                          # every final token: text and id
        assert f"{nb.diagrams.tokens.shown_bytes(tokenizer.vocab[i])}\n{i}" in shown
    assert ax.get_title() == f"' catlings': 9 bytes → {len(ids)} tokens after {n_merged} merges"
    assert min_fontsize(ax) >= 9
    # the steps are merges by rank: lowest first
    ranks = [r for r, _ in steps]
    assert ranks == sorted(ranks)


def test_merge_tree_without_merges_and_errors(tokenizer):
    ax = nb.diagrams.merge_tree(tokenizer, "xyz")           # no merge applies
    assert len(boxes(ax, "token")) == 3 and not boxes(ax, "merge")
    assert ax.get_title() == "'xyz': 3 bytes → 3 tokens after 0 merges"
    with pytest.raises(ValueError, match="merge_tree: expected a non-empty word"):
        nb.diagrams.merge_tree(tokenizer, "")
    with pytest.raises(ValueError, match="merge_steps: expected a str, got int"):
        nb.diagrams.merge_tree(tokenizer, 5)


def test_token_boundaries_one_box_per_token(tokenizer):
    text = "the catlings and the cats."
    ids = tokenizer.encode(text)
    ax = nb.diagrams.token_boundaries((tokenizer, text), width=12)
    patches = boxes(ax, "token")
    assert len(patches) == len(ids)
    assert [round(p.get_width() + 0.08) for p in patches] == [
        len(tokenizer.vocab[i]) for i in ids]                  # ASCII: a box per character
    assert [str(i) for i in ids] == texts(ax)[1::2]
    assert "".join(texts(ax)[0::2]).replace("␣", " ") == text
    assert ax.get_title() == f"{len(ids)} tokens" and min_fontsize(ax) >= 9
    rows = {round(p.get_y(), 3) for p in patches}
    assert len(rows) > 1                                       # wrapped at 12 characters
    with pytest.raises(ValueError, match="token_boundaries: expected at least one token"):
        nb.diagrams.token_boundaries([])


# --- the gallery: each diagram of nnbook/diagrams/tokens.py as the chapters draw it
# (tests/test_diagrams.py gathers every module's GALLERY and checks each drawing's
# text size, width and whole pixels)
TOKENS = "the cats sing. the catlings sing. a cat sings. " * 4
GALLERY = {
    "merge_tree": [lambda: nb.diagrams.merge_tree(nb.data.BPETokenizer.train(TOKENS, 280),
                                                  "catlings")],
    "token_boundaries": [lambda: nb.diagrams.token_boundaries(
        (nb.data.BPETokenizer.train(TOKENS, 280), "the catlings sing."))],
}
