"""The book's API page: every public name of ``import nnbook as nb``, grouped by role.

tools/build_book.py writes ``api_page()`` to api.md. Each name gets a Sphinx
object description (``py:class``, ``py:function``, …: a permalink, an entry in
the page's contents, a styled signature) with

- the signature a learner calls, read from the code: annotations left out,
  ``np.float64`` for ``<class 'numpy.float64'>``, and the arguments that exist
  only to catch other libraries' spellings hidden (``**keras``,
  ``**other_spellings``, an activation's ``*args, **kwargs`` that refuse any
  argument; a size annotated ``int`` whose default ``None``/``"missing"`` only
  lets Keras' one-argument spelling through is shown as required);
- its docstring rendered (``markdown_of_docstring``): ````code```` as code, the
  ``Args:``/``Shapes:``/``Attributes:`` sections as lists, ``::`` blocks as code,
  reST simple tables as tables, ``- `` items as lists, a public name in code
  linked to its entry;
- for a class, each public method or property defined in it that has a
  docstring of its own (an override without one is the base class's, documented
  there), and class attributes that name a class (``fuses_with``).

A name reached twice (``nb.labels.one_hot`` is ``nb.data.one_hot``) is described
once and the second place links to it. A name not listed in ``SECTIONS`` still
appears: a new layer, loss or optimizer in its kind's section, anything else under
"Other names" (list it in a section then), so a new export is never missing.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap

# (title, introduction, names of `nb` in the order shown). Modules show their
# docstring and their __all__.
SECTIONS = [
    ("Layers", "What a model is made of. Each layer has `forward(x)`, `backward(dy)`, `params` and "
     "`grads`; the folder `nb.layers` holds them all (`nb.layers.Dense` is `nb.Dense`).",
     ["layers", "Layer", "Dense", "Flatten", "Activation", "Sigmoid", "Tanh", "ReLU", "Softmax",
      "Conv2D", "MaxPool2D", "AvgPool2D", "Dropout", "BatchNorm", "RNN", "LSTM", "GRU",
      "Embedding", "PositionalEmbedding", "LayerNorm", "MultiHeadAttention", "TransformerBlock",
      "RMSNorm", "SiLU", "SwiGLU", "Unembedding", "LoRA"]),
    ("Functions the layers compute", "The same formulas as plain functions on arrays.",
     ["sigmoid", "softmax", "log_softmax", "output_size", "same_padding", "rope_angles",
      "apply_rope", "kv_head_of", "attention"]),
    ("The model and its training", "A `Sequential` model, what `fit` returns, saving and loading, "
     "and the callbacks and metrics `fit` uses (the folder `nb.training` holds them; "
     "`nb.training.Sequential` is `nb.Sequential`).",
     ["training", "Sequential", "History", "load_model", "register_class", "callbacks", "metrics"]),
    ("Losses", "A loss is called as `loss(y_true, y_pred)` and `loss.grad(y_true, y_pred)`; "
     "`compile` also takes their names (`\"mse\"`, `\"binary_crossentropy\"`, `\"crossentropy\"`).",
     ["Loss", "MSE", "BinaryCrossEntropy", "CrossEntropy"]),
    ("Optimizers and learning-rate schedules", "`compile(optimizer=...)` takes one of these, or "
     "`\"sgd\"` / `\"adam\"`; a schedule plugs into `nb.callbacks.LearningRateScheduler`.",
     ["Optimizer", "SGD", "RMSProp", "Adam", "AdamW", "clip_grad_norm", "schedules"]),
    ("Post-training and inference", "The losses of fine-tuning by preference and by reward, "
     "each returning `(loss, d_logits)` for the model's `backward`, `generate`, which writes "
     "with a model (with a KV cache where it can), and the decoding rules that turn logits "
     "into the next token (chapters 21–22).",
     ["sequence_logprobs", "sequence_logprobs_backward", "dpo_loss", "group_advantages",
      "policy_gradient_loss", "sequence_kl", "add_lora", "merge_lora", "generate",
      "inference"]),
    ("Generative models", "Diffusion and flow matching (chapter 26): noise schedules, the "
     "time embedding and the denoiser, the samplers, and the exact score and velocity of a "
     "`nb.data.GaussianMixture` they are checked against.", ["generative"]),
    ("Fewer bits, less memory", "Number formats and bfloat16 rounding emulated in NumPy, "
     "weights quantised to int8 and int4, attention computed in tiles (chapter 24).",
     ["precision"]),
    ("Initialisers", "The `init=` of `Dense` and `Conv2D`.", ["init"]),
    ("Data", "Data sets, generated or shipped with scikit-learn, and the helpers that prepare them.",
     ["data", "labels"]),
    ("Results over seeds", "Run one experiment once per seed and keep every seed's numbers, "
     "so that a comparison shows its spread (`nb.plot.seeds` draws them); stored tables of "
     "slow experiments load with `nb.seeds.stored`.",
     ["over_seeds", "SeedTable", "seeds", "experiments"]),
    ("Checking gradients and looking inside a model", "",
     ["numerical_gradient", "check_gradients", "relative_error", "diagnostics"]),
    ("Automatic differentiation", "", ["autodiff"]),
    ("Convolution by hand", "", ["conv_impl"]),
    ("Figures", "Plots of results, schematic diagrams, and explorables with their static figures "
     "and the XOR animation (the folders `nnbook/plot/`, `nnbook/diagrams/`, `nnbook/explore/`); "
     "they import matplotlib, so they load on first use.",
     ["plot", "diagrams", "explore"]),
    ("Exercises", "", ["exercises"]),
    ("PyTorch bridge", "PyTorch is optional: these import it when they are called.",
     ["to_torch", "from_torch", "torch_bridge"]),
]
# Folders whose public names are all described at the top level (see their section's text).
FOLDERS_AT_TOP_LEVEL = {"layers", "training"}
# Variadic arguments that only catch other libraries' spellings, to name the right one.
SPELLING_CATCHERS = {"keras", "other_spellings"}
SECTION_TITLES = {"args": "Arguments", "arguments": "Arguments", "parameters": "Arguments",
                  "attributes": "Attributes", "shapes": "Shapes", "returns": "Returns",
                  "raises": "Raises", "yields": "Yields", "example": "Example",
                  "examples": "Examples", "note": "Note", "notes": "Notes"}
NAMED_ENTRIES = {"Arguments", "Attributes"}  # each entry starts with argument names


# --- signatures ----------------------------------------------------------------

def default_text(value) -> str:
    """A default as Python source a learner would write (np.float64, print, 'xavier')."""
    if inspect.isclass(value) or inspect.isroutine(value):
        module = getattr(value, "__module__", "") or ""
        name = getattr(value, "__qualname__", None) or getattr(value, "__name__", "?")
        if module == "numpy" or module.startswith("numpy."):
            return f"np.{name}"
        if module.startswith("nnbook"):
            return f"nb.{name}"
        return name
    text = repr(value)
    try:
        ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return "..."
    return text if len(text) <= 60 else "..."


def annotation_text(annotation) -> str:
    if isinstance(annotation, str):
        return annotation
    if inspect.isclass(annotation):
        return annotation.__name__
    return re.sub(r"\b(?:typing|[a-z_]+(?:\.[a-z_]+)*)\.(?=[A-Z])", "", str(annotation))


def _shown_as_required(param) -> bool:
    """A size annotated `int` whose None/"missing" default only admits Keras' spelling."""
    if isinstance(param.default, str) and param.default == "missing":
        return True
    return param.default is None and param.annotation in ("int", int)


def signature_text(obj, *, method=False) -> str:
    """``(n_in, n_out, *, init='xavier', rng=None, dtype=np.float64)`` and, for a
    function with a return annotation other than None, `` -> Sequential``."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    params = list(sig.parameters.values())
    if method and params and params[0].kind in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        params = params[1:]
    if inspect.isclass(obj) and params and all(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        params = []   # e.g. Activation's (*args, **kwargs), which only refuses arguments
    params = [p for p in params if not (p.kind == p.VAR_KEYWORD and p.name in SPELLING_CATCHERS)]
    parts, star_done, slash_due = [], False, False
    for p in params:
        if p.kind == p.POSITIONAL_ONLY:
            slash_due = True
        elif slash_due:
            parts.append("/")
            slash_due = False
        if p.kind == p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if p.kind == p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            star_done = True
        elif p.kind == p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        elif p.default is p.empty or _shown_as_required(p):
            parts.append(p.name)
        else:
            parts.append(f"{p.name}={default_text(p.default)}")
    if slash_due:
        parts.append("/")
    text = f"({', '.join(parts)})"
    ret = sig.return_annotation
    if not inspect.isclass(obj) and ret is not sig.empty and ret not in (None, "None"):
        text += f" -> {annotation_text(ret)}"
    return text


# --- docstrings ------------------------------------------------------------------

CODE = re.compile(r"``(.+?)``|`([^`]+)`")
ESCAPE = re.compile(r"([\\`*_\[\]<>$|{}#~&])")


class Names:
    """Which code spans link where: ``{"Dense": "nb.Dense", "nb.Dense": "nb.Dense", …}``;
    a name that could mean two entries links to neither."""

    def __init__(self):
        self.targets, self.ambiguous = {}, set()

    def add(self, full, *aliases):
        for key in (full, *aliases):
            if self.targets.get(key, full) != full:
                self.ambiguous.add(key)
            self.targets.setdefault(key, full)

    def link(self, text, here=None):
        key = text[:-2] if text.endswith("()") else text
        target = self.targets.get(key)
        if target is None or key in self.ambiguous or target == here:
            return None
        return target


def inline(text: str, names: Names | None = None, here: str | None = None) -> str:
    """One line of docstring text as MyST: ``code`` and `code` become code (or a link to
    a public name's entry), everything else is escaped so it shows as written."""
    out, pos = [], 0
    for m in CODE.finditer(text):
        out.append(ESCAPE.sub(r"\\\1", text[pos:m.start()]))
        code = m.group(1) or m.group(2)
        target = names.link(code, here) if names else None
        if target:
            out.append(f"{{py:obj}}`{code} <{target}>`")
        else:
            ticks = "``" if "`" in code else "`"
            pad = " " if code.startswith("`") or code.endswith("`") else ""
            out.append(f"{ticks}{pad}{code}{pad}{ticks}")
        pos = m.end()
    out.append(ESCAPE.sub(r"\\\1", text[pos:]))
    joined = "".join(out)
    # A line that starts like a list item or a heading must stay a paragraph.
    return re.sub(r"^(\d+)([.)] )", r"\1\\\2", re.sub(r"^([-+=])(\s|$)", r"\\\1\2", joined))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _block(lines, start):
    """The lines indented deeper than lines[start - 1], from start (blank lines inside kept)."""
    base = _indent(lines[start - 1])
    end = start
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
        end += 1
    first = start
    while first < end and not lines[first].strip():
        first += 1
    last = end
    while last > first and not lines[last - 1].strip():
        last -= 1
    return textwrap.dedent("\n".join(lines[first:last])).splitlines(), end


def _entries(lines):
    """Group lines into (head, deeper lines) by indentation."""
    entries = []
    for line in lines:
        if not line.strip():
            continue
        if entries and _indent(line) > 0:
            entries[-1][1].append(line)
        else:
            entries.append([line.strip(), []])
    return entries


def _entry_items(lines, names, here, named, depth=0):
    out = []
    pad = "  " * depth
    for head, rest in _entries(lines):
        nested = head.endswith(":") and rest
        text = head if nested else " ".join([head] + [r.strip() for r in rest])
        m = re.match(r"""^([\w\[\]"'., *]{1,60}?):\s+(.*)$""", text)
        if m and (named or re.fullmatch(r"""[\w\[\]"'.]+(?:, [\w\[\]"'.]+)*""", m.group(1))):
            label = ", ".join(f"`{n.strip()}`" for n in m.group(1).split(","))
            text_md = f"{label}: {inline(m.group(2), names, here)}"
        else:
            text_md = inline(text, names, here)
        out.append(f"{pad}- {text_md}")
        if nested:
            out += _entry_items(textwrap.dedent("\n".join(rest)).splitlines(), names, here, False, depth + 1)
    return out


def _code_block(lines):
    code = "\n".join(lines).rstrip()
    try:
        ast.parse(code)
        language = "python"
    except SyntaxError:
        language = "text"
    return [f"```{language}", code, "```"]


def _unfinished(cell: str) -> bool:
    """A table cell that goes on in the next line: it ends in a comma or leaves a bracket open."""
    return cell.endswith(",") or cell.count("(") > cell.count(")")


def _simple_table(lines, start):
    """A reST simple table (==== borders) as a MyST table; returns (lines, next index).
    A line continues the row above when its first cell is empty or a cell of the row
    above is unfinished (the docstrings wrap long cells that way)."""
    border = lines[start]
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", border)]
    rows, end, borders = [], start + 1, 1
    while end < len(lines) and borders < 3:
        line = lines[end]
        if re.fullmatch(r"[= ]+", line.strip() or "x") and line.startswith("="):
            borders += 1
        elif line.strip():
            cells = [line[a:(spans[i + 1][0] if i + 1 < len(spans) else None)].strip()
                     for i, (a, _) in enumerate(spans)]
            if rows and borders == 2 and (not cells[0] or any(map(_unfinished, rows[-1]))):
                rows[-1] = [f"{old} {new}".strip() for old, new in zip(rows[-1], cells)]
            else:
                rows.append(cells)
        end += 1
    if not rows:
        return [], end
    header, *body = rows
    md = ["| " + " | ".join(inline(c) for c in header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(inline(c) for c in row) + " |" for row in body]
    return md, end


def markdown_of_docstring(doc: str | None, names: Names | None = None, here: str | None = None) -> list[str]:
    """A docstring as MyST markdown lines (see the module docstring for what becomes what)."""
    if not doc:
        return []
    return _markdown(inspect.cleandoc(doc).splitlines(), names, here)


def _markdown(lines, names, here):
    out, i, para = [], 0, []

    def flush():
        if para:
            out.extend([inline(" ".join(s.strip() for s in para), names, here), ""])
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        following = next((j for j in range(i + 1, len(lines)) if lines[j].strip()), None)
        deeper_next = following is not None and _indent(lines[following]) > _indent(line)
        if not stripped:
            flush()
            i += 1
            continue
        if re.fullmatch(r"=+(\s+=+)+", stripped):
            flush()
            table, i = _simple_table(lines, i)
            out += table + [""]
            continue
        section = re.fullmatch(r"([A-Z][A-Za-z ]*):", stripped)
        inline_section = re.match(r"(Shapes|Args|Returns|Raises):\s+(\S.*)$", stripped)
        if section and deeper_next and not para:
            title = SECTION_TITLES.get(section.group(1).lower(), section.group(1))
            body, i = _block(lines, i + 1)
            out += [f"**{title}**", ""]
            if title == "Shapes" or title in NAMED_ENTRIES:
                out += _entry_items(body, names, here, title in NAMED_ENTRIES) + [""]
            else:
                out += _markdown(body, names, here) + [""]
            continue
        if inline_section and not para:
            title = SECTION_TITLES[inline_section.group(1).lower()]
            text, i = [inline_section.group(2)], i + 1
            while i < len(lines) and lines[i].strip() and not re.match(r"[A-Z][A-Za-z ]*:", lines[i].strip()):
                text.append(lines[i].strip())
                i += 1
            out += [f"**{title}:** " + inline(" ".join(text), names, here), ""]
            continue
        if re.match(r"[-*] ", stripped) and _indent(line) == 0:
            flush()
            item, i = [stripped[2:]], i + 1
            while i < len(lines) and lines[i].strip() and _indent(lines[i]) > 0:
                item.append(lines[i].strip())
                i += 1
            out.append("- " + inline(" ".join(item), names, here))
            if i >= len(lines) or not re.match(r"[-*] ", lines[i]):
                out.append("")
            continue
        if stripped.endswith("::") and deeper_next:
            para.append(line[:-1] if not line.endswith(" ::") else line[:-3])
            flush()
            body, i = _block(lines, i + 1)
            out += _code_block(body) + [""]
            continue
        if deeper_next and _indent(line) == 0 and stripped.endswith(":"):
            para.append(line)
            flush()
            body, i = _block(lines, i + 1)
            if all(re.match(r"[-*] ", b.strip()) or _indent(b) > 0 or not b.strip() for b in body):
                out += _markdown(body, names, here) + [""]
            elif any(re.search(r"\S {2,}\S", b) for b in body):
                out += _code_block(body) + [""]
            else:
                out += _entry_items(body, names, here, False) + [""]
            continue
        para.append(line)
        i += 1
    flush()
    while out and not out[-1]:
        out.pop()
    return out


# --- the page ----------------------------------------------------------------------

def own_doc(obj) -> str | None:
    """The object's own docstring: never one inherited from a base class or a value's type."""
    if inspect.isclass(obj):
        doc = vars(obj).get("__doc__")
        if not doc and "__init__" in vars(obj):
            doc = getattr(vars(obj)["__init__"], "__doc__", None)
        return doc
    if isinstance(obj, property):
        return obj.fget.__doc__ if obj.fget else None
    if inspect.ismodule(obj) or inspect.isroutine(obj) or isinstance(obj, (staticmethod, classmethod)):
        return getattr(obj, "__doc__", None)
    return None


def own_classes(cls) -> list:
    """``cls``, then the bases whose members are its own on the page: nnbook's classes that
    nnbook does not export (mixins such as ``ModelWeights`` and ``Caching``, ``_Pool2D``),
    so that ``Sequential.get_weights`` or ``MultiHeadAttention.start_cache`` is listed."""
    import nnbook
    exported = {id(getattr(nnbook, n)) for n in nnbook.__all__}
    return [cls] + [b for b in cls.__mro__[1:]
                    if b.__module__.startswith("nnbook.") and id(b) not in exported]


def class_members(cls):
    """(kind, name, object) for the public methods, properties and class-valued attributes
    defined in ``cls`` itself (or in a base ``own_classes`` names); a method or property only
    with a docstring of its own, and a name only once (the subclass's)."""
    seen = set()
    for name, member in (item for owner in own_classes(cls) for item in vars(owner).items()):
        if name.startswith("_") or name in seen:
            continue
        seen.add(name)
        if inspect.isclass(member):
            yield "attribute", name, member
        elif isinstance(member, property):
            if own_doc(member):
                yield "property", name, member
        elif isinstance(member, (staticmethod, classmethod)) or inspect.isfunction(member):
            if own_doc(member):
                yield ("staticmethod" if isinstance(member, staticmethod) else
                       "classmethod" if isinstance(member, classmethod) else "method"), name, member


def layout(nb):
    """[(title, intro, [(full name, object or module)])] for every section. A name no
    section lists goes to its kind's section (a Layer, Loss or Optimizer subclass) or
    under "Other names"."""
    placed, sections = set(), []
    for title, intro, wanted in SECTIONS:
        entries = []
        for name in wanted:
            if name in nb.__all__ and name not in placed:
                entries.append((f"nb.{name}", getattr(nb, name)))
                placed.add(name)
        sections.append((title, intro, entries))
    # A new layer, loss or optimizer joins its kind's section on its own.
    by_base = {"Layers": getattr(nb, "Layer", None), "Losses": getattr(nb, "Loss", None),
               "Optimizers and learning-rate schedules": getattr(nb, "Optimizer", None)}
    rest = []
    for name in (n for n in nb.__all__ if n not in placed):
        obj = getattr(nb, name)
        home = next((title for title, base in by_base.items()
                     if inspect.isclass(obj) and base is not None and issubclass(obj, base)), None)
        for title, _, entries in sections:
            if title == home:
                entries.append((f"nb.{name}", obj))
                break
        else:
            rest.append((f"nb.{name}", obj))
    if rest:
        sections.append(("Other names", "", rest))
    return sections


def _public(module):
    return [n for n in getattr(module, "__all__", []) if not n.startswith("_")]


def walk(sections):
    """(full name, object, owner module's full name or None) in page order, modules expanded."""
    for _, _, entries in sections:
        for full, obj in entries:
            yield full, obj, None
            if inspect.ismodule(obj) and full.split(".")[-1] not in FOLDERS_AT_TOP_LEVEL:
                for sub in _public(obj):
                    yield f"{full}.{sub}", getattr(obj, sub), full


class Page:
    def __init__(self, nb):
        self.nb = nb
        self.sections = layout(nb)
        self.names = Names()
        self.home = {}      # id(object) -> the full name it is described under
        for full, obj, _ in walk(self.sections):
            if inspect.ismodule(obj) or id(obj) in self.home:
                continue
            if not (inspect.isclass(obj) or inspect.isroutine(obj)):
                continue
            self.home[id(obj)] = full
            # `Dense` and `nb.Dense`; `data.one_hot` and `nb.data.one_hot` (a bare module
            # member's name is too often a word, e.g. Keras' `filters`, to link);
            # `Sequential.fit`, never a bare method name.
            self.names.add(full, full[len("nb."):])
            if inspect.isclass(obj):
                for kind, name, _member in class_members(obj):
                    if kind != "attribute":
                        self.names.add(f"{full}.{name}", f"{full[len('nb.'):]}.{name}")

    def text(self) -> str:
        lines = ["# API reference", "",
                 "Every public name of `import nnbook as nb`, grouped by what it is for: the "
                 "signature you call and what the docstring says (the page is generated from the "
                 "library when the book is built; in JupyterLab, `nb.Dense?` shows the same text). "
                 "Names in the folders are the same objects as at the top level: "
                 "`nb.layers.Dense` is `nb.Dense`, `nb.training.Sequential` is `nb.Sequential`.", ""]
        for title, intro, entries in self.sections:
            lines += [f"## {title}", ""]
            if intro:
                lines += [intro, ""]
            for full, obj in entries:
                lines += self.entry(full, obj, level=3)
        return "\n".join(lines).rstrip() + "\n"

    def entry(self, full, obj, level):
        if inspect.ismodule(obj):
            return self.module(full, obj, level)
        if id(obj) in self.home and self.home[id(obj)] != full:
            target = self.home[id(obj)]
            return [f"`{full}` is {{py:obj}}`{target} <{target}>`, described above.", ""]
        if inspect.isclass(obj):
            return self.klass(full, obj)
        if inspect.isroutine(obj):
            return self.function(full, obj)
        value = default_text(obj)
        option = f":value: {value}" if value != "..." else f":type: {type(obj).__name__}"
        return ["```{py:data} " + full, option, "```", ""]

    def module(self, full, module, level):
        if full.split(".")[-1] in FOLDERS_AT_TOP_LEVEL:
            return []       # its names are this section's entries; the section text says so
        lines = [f"{'#' * level} `{full}`", ""]
        lines += markdown_of_docstring(own_doc(module), self.names, full) + [""]
        for sub in _public(module):
            lines += self.entry(f"{full}.{sub}", getattr(module, sub), level + 1)
        return lines

    def function(self, full, func, fence=4):
        ticks = "`" * fence
        return ([f"{ticks}{{py:function}} {full}{signature_text(func)}", ""]
                + markdown_of_docstring(own_doc(func), self.names, full) + [ticks, ""])

    def klass(self, full, cls):
        lines = [f"`````{{py:class}} {full}{signature_text(cls)}", ""]
        bases = [self.home[id(b)] for b in cls.__bases__ if id(b) in self.home]
        if bases:
            lines += ["Bases: " + ", ".join(f"{{py:class}}`{b} <{b}>`" for b in bases), ""]
        lines += markdown_of_docstring(own_doc(cls), self.names, full) + [""]
        for kind, name, member in class_members(cls):
            here = f"{full}.{name}"
            if kind == "attribute":
                target = self.home.get(id(member))
                value = target or default_text(member)
                lines += ["````{py:attribute} " + name, f":value: {value}", "````", ""]
                continue
            func = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
            sig = "" if kind == "property" else signature_text(func, method=kind != "staticmethod")
            lines += [f"````{{py:{kind}}} {name}{sig}", ""]
            lines += markdown_of_docstring(own_doc(member), self.names, here) + ["````", ""]
        return lines + ["`````", ""]


def api_page(nb) -> str:
    """The API page's MyST text for the package ``nb``."""
    return Page(nb).text()
