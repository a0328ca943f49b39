"""Special tokens of ``BPETokenizer`` (bpe.py, chapter 19): their checks, the text cut into
ordinary pieces and special tokens, and tiktoken's rule for special text in ``encode``:
the id where ``allowed_special`` names it, ordinary bytes where ``disallowed_special``
leaves it out, and otherwise a ``ValueError`` that names both fixes.
"""

from __future__ import annotations

import re

__all__ = ["checked_specials", "pieces", "pieces_re", "once", "shifted", "allowed_re",
           "disallowed_re", "refuse_disallowed"]


def checked_specials(owner, special_tokens) -> list:
    if isinstance(special_tokens, str):
        raise ValueError(f"{owner}: expected special_tokens to be a list of strings, got the "
                         f"string {special_tokens!r}. Write special_tokens=[{special_tokens!r}].")
    if isinstance(special_tokens, (set, frozenset, dict)):
        raise ValueError(f"{owner}: expected special_tokens in an order (a list), got a "
                         f"{type(special_tokens).__name__}: their ids follow the order given. "
                         f"Write special_tokens=[...].")
    specials = list(special_tokens)
    for tok in specials:
        if not isinstance(tok, str) or not tok:
            raise ValueError(f"{owner}: expected every special token to be a non-empty str, "
                             f"got {type(tok).__name__} {tok!r}. Write it as text, e.g. "
                             f"'<|endoftext|>'.")
    if len(set(specials)) != len(specials):
        twice = sorted({t for t in specials if specials.count(t) > 1})
        raise ValueError(f"{owner}: special tokens {twice} appear more than once in "
                         f"{specials}. List each once.")
    return specials


def pieces_re(specials):
    """One regular expression of the special tokens, the longest first (None: none)."""
    longest_first = sorted(specials, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, longest_first))) if specials else None


def once(names):
    """``names`` as a tuple when it is a one-pass iterable (a generator), so it can be read
    twice; anything else as it is (the checks name what is wrong with it)."""
    if not isinstance(names, (str, bytes)) and hasattr(names, "__next__"):
        return tuple(names)
    return names


def shifted(message, offset):
    """``message`` with its "(at character n)" moved on by ``offset`` characters."""
    return re.sub(r"\(at character (\d+)\)",
                  lambda m: f"(at character {int(m.group(1)) + offset})", message, count=1)


def pieces(text, specials):
    """``(piece, is_special)`` in text order: the special tokens and the text between them.
    ``specials`` is a list of strings or a compiled regex of them (None: no special token)."""
    if specials is not None and not isinstance(specials, re.Pattern):
        longest_first = sorted(specials, key=len, reverse=True)
        specials = re.compile("|".join(map(re.escape, longest_first))) if specials else None
    start = 0
    if specials is not None:
        for found in specials.finditer(text):
            if found.start() > start:
                yield text[start:found.start()], False
            yield found.group(), True
            start = found.end()
    if start < len(text):
        yield text[start:], False


def allowed_re(special_tokens, every_re, allowed_special):
    """The regex of the special tokens that ``allowed_special`` names (None: none), of a
    tokenizer's ``special_tokens`` (a dict) whose regex of all is ``every_re``."""
    owner, names = "BPETokenizer.encode", list(special_tokens)
    if isinstance(allowed_special, str) and allowed_special == "all":
        return every_re
    if isinstance(allowed_special, str) or not hasattr(allowed_special, "__iter__"):
        fix = (f" Write allowed_special=[{allowed_special!r}] or allowed_special='all'."
               if isinstance(allowed_special, str) else "")
        what = ("the string" if isinstance(allowed_special, str)
                else type(allowed_special).__name__)
        raise ValueError(f"{owner}: expected allowed_special to be 'all' or a list of "
                         f"special tokens, got {what} {allowed_special!r:.60}.{fix}")
    allowed = list(allowed_special)
    unknown = [t for t in allowed if not isinstance(t, str) or t not in special_tokens]
    if unknown:
        raise ValueError(f"{owner}: allowed_special names {unknown!r:.80}, which this "
                         f"tokenizer does not have; its special tokens are {names!r:.80}. "
                         f"Train it with special_tokens=[...] or allow only those.")
    return every_re if set(allowed) == set(names) else pieces_re(set(allowed))

def disallowed_re(special_tokens, allowed_special, disallowed_special):
    """The regex of the special tokens whose text is refused (None: none): those that
    ``disallowed_special`` names (``"all"``: every one), less the allowed ones."""
    owner, names = "BPETokenizer.encode", list(special_tokens)
    if isinstance(disallowed_special, str) and disallowed_special == "all":
        refused = names
    elif isinstance(disallowed_special, str) or not hasattr(disallowed_special, "__iter__"):
        fix = (f" Write disallowed_special=[{disallowed_special!r}], 'all' or () (none)."
               if isinstance(disallowed_special, str) else "")
        what = ("the string" if isinstance(disallowed_special, str)
                else type(disallowed_special).__name__)
        raise ValueError(f"{owner}: expected disallowed_special to be 'all' or a list of "
                         f"special tokens (() for none), got {what} "
                         f"{disallowed_special!r:.60}.{fix}")
    else:
        refused = list(disallowed_special)
        unknown = [t for t in refused
                   if not isinstance(t, str) or t not in special_tokens]
        if unknown:
            raise ValueError(f"{owner}: disallowed_special names {unknown!r:.80}, which "
                             f"this tokenizer does not have; its special tokens are "
                             f"{names!r:.80}. List only those, or pass ().")
    if isinstance(allowed_special, str) and allowed_special == "all":
        return None
    refused = [t for t in refused if t not in set(allowed_special)]
    return pieces_re(refused)

def refuse_disallowed(owner, text, allowed_special, refused):
    """A ValueError naming both fixes if ``text`` holds a special token of ``refused``."""
    found = refused.search(text) if refused is not None else None
    if found is None:
        return
    token, allowed = found.group(), list(allowed_special)
    raise ValueError(f"{owner}: the text holds the special token {token!r} (at character "
                     f"{found.start()}), which is not allowed. Pass "
                     f"allowed_special=[{', '.join(map(repr, allowed + [token]))}] (or "
                     f"'all') to encode it as its id (text you trust, such as your "
                     f"corpus), or disallowed_special=() to encode it as ordinary text "
                     f"(text a user typed).")
