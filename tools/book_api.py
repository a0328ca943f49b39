"""The book's API page: every public name of ``import nnbook as nb``, grouped by role.

tools/build_book.py writes ``api_page()`` to api.md; Sphinx's autodoc describes each
name there (its signature, its docstring read by napoleon, with ``Shapes:`` a section of
its own, and its members), and this module is also the Sphinx extension (docs/conf.py
loads it) for what autodoc cannot do alone:

- the page's order: ``SECTIONS`` groups the names by role (a name no section lists still
  appears: a new layer, loss or optimizer in its kind's section, anything else under
  "Other names", so a new export is never missing);
- the names a learner types: ``nb.Dense``, ``nb.data.load_digits`` (``setup`` makes
  ``nb`` and its folders importable under those names, for autodoc);
- the signature a learner calls (the ``autodoc-process-signature`` hook): annotations
  left out, ``np.float64`` for ``<class 'numpy.float64'>``, and the arguments that exist
  only to catch other libraries' spellings hidden (``**keras``, ``**other_spellings``,
  an activation's ``*args, **kwargs`` that refuse any argument; a size annotated ``int``
  whose default ``None``/``"missing"`` only lets Keras' one-argument spelling through is
  shown as required);
- for a class, the public methods and properties with a docstring of their own, those of
  nnbook's unexported bases included (``Sequential.get_weights``), and class attributes
  that name a class (``fuses_with``);
- a name reached twice (``nb.labels.one_hot`` is ``nb.data.one_hot``) is described once
  and the second place links to it.
"""

from __future__ import annotations

import ast
import inspect
import re
import sys

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
     "`compile` also takes their names (`\"mse\"`, `\"binary_crossentropy\"`, `\"crossentropy\"`). "
     "The two distillation losses take a teacher's logits as targets (chapter 35).",
     ["Loss", "MSE", "BinaryCrossEntropy", "CrossEntropy", "SoftDistillation",
      "OnPolicyDistillation"]),
    ("Optimizers and learning-rate schedules", "`compile(optimizer=...)` takes one of these, or "
     "`\"sgd\"` / `\"adam\"`; a schedule plugs into `nb.callbacks.LearningRateScheduler`.",
     ["Optimizer", "SGD", "RMSProp", "Adam", "AdamW", "Muon", "newton_schulz",
      "newton_schulz_band", "polar_factor", "clip_grad_norm", "schedules"]),
    ("Post-training and inference", "The losses of fine-tuning by preference and by reward, "
     "each returning `(loss, d_logits)` for the model's `backward`, `generate`, which writes "
     "with a model (with a KV cache where it can), `sample_text`, the same on a character "
     "model's text (chapter 18), and the decoding rules that turn logits into the next token "
     "(chapters 21–22); distillation's losses as functions and the on-policy batch a "
     "student writes and its teacher scores (chapter 35).",
     ["sequence_logprobs", "sequence_logprobs_backward", "dpo_loss", "group_advantages",
      "policy_gradient_loss", "sequence_kl", "soft_distillation_loss",
      "on_policy_distillation_loss", "on_policy_batch", "add_lora", "merge_lora", "generate",
      "sample_text", "inference"]),
    ("Generative models", "Diffusion and flow matching (chapter 26): noise schedules, the "
     "time embedding and the denoiser, the samplers, and the exact score and velocity of a "
     "`nb.data.GaussianMixture` they are checked against; masked diffusion of text and "
     "sampling by unmasking (chapter 28).", ["generative"]),
    ("Fewer bits, less memory", "Number formats and bfloat16 rounding emulated in NumPy, "
     "weights quantised to int8 and int4, attention computed in tiles (chapter 24).",
     ["precision"]),
    ("Scaling laws and Part VI's statistics", "L(N, D) = E + A/N^α + B/D^β fitted to a grid "
     "of runs, with each parameter's standard error, and the compute-optimal split it "
     "implies; one source's loss in a mix of two, the mixing law (chapter 32). The folder "
     "`nb.evaluation` holds them beside the rest of Part VI's exact answers: GRPO's expected "
     "update and PPO's clip, pass@k (chapter 29), best-of-n, majority vote and leaderboards "
     "(chapter 30), and a distilled student's distances to the truth and to its teacher "
     "(chapter 35).",
     ["fit_scaling_law", "fit_power_law", "scaling_law", "ScalingFit", "fit_mixing_law",
      "mixing_law", "MixingFit", "distillation_distances", "evaluation"]),
    ("A research arena", "The folder `nb.arena` runs a training recipe on a budget counted in "
     "multiplications and scores it in bits per character above the exact window bound, over "
     "seeds, with a leaderboard file that keeps only scores it measured (chapter 37; `python -m "
     "nnbook.arena run|submit|show`). Two recipes' scores are compared by "
     "`nb.evaluation.paired_test`.", ["arena"]),
    ("Initialisers", "The `init=` of `Dense` and `Conv2D`.", ["init"]),
    ("Data", "Data sets, generated or shipped with scikit-learn, and the helpers that prepare them.",
     ["data", "labels"]),
    ("Results over seeds", "Run one experiment once per seed and keep every seed's numbers, "
     "so that a comparison shows its spread (`nb.plot.seeds` draws them); stored tables of "
     "slow experiments load with `nb.seeds.stored`.",
     ["over_seeds", "SeedTable", "seeds", "experiments"]),
    ("Checking gradients and looking inside a model", "The folder `nb.interpret` reads and "
     "overwrites a layer's output, fits probes and sparse autoencoders (chapter 36).",
     ["numerical_gradient", "check_gradients", "relative_error", "diagnostics", "interpret"]),
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
    """(full name, object, owner module's full name or None) in page order, modules expanded
    (a folder of FOLDERS_AT_TOP_LEVEL only by the names it does not share with ``nb``)."""
    top = {id(obj) for _, _, entries in sections for _, obj in entries}
    for _, _, entries in sections:
        for full, obj in entries:
            yield full, obj, None
            if inspect.ismodule(obj):
                shared = full.split(".")[-1] in FOLDERS_AT_TOP_LEVEL
                for sub in _public(obj):
                    if not (shared and id(getattr(obj, sub)) in top):
                        yield f"{full}.{sub}", getattr(obj, sub), full


def rst_block(lines) -> list[str]:
    """reST lines (autodoc's directives) inside a MyST page."""
    return ["```{eval-rst}", *lines, "```", ""]


class Page:
    def __init__(self, nb):
        self.nb = nb
        self.sections = layout(nb)
        self.home = {}      # id(object) -> the full name it is described under
        self.objects = {}   # full name -> object, for the signature hook
        for full, obj, _ in walk(self.sections):
            self.objects.setdefault(full, obj)
            if inspect.ismodule(obj) or id(obj) in self.home:
                continue
            if inspect.isclass(obj) or inspect.isroutine(obj):
                self.home[id(obj)] = full

    def modules(self) -> dict:
        """{"nb": nnbook, "nb.data": nnbook.data, …}: the names autodoc imports."""
        found = {"nb": self.nb}
        found.update((full, obj) for full, obj in self.objects.items() if inspect.ismodule(obj))
        return found

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
            return rst_block([f".. autofunction:: {full}"])
        value = default_text(obj)
        option = f":value: {value}" if value != "..." else f":type: {type(obj).__name__}"
        return ["```{py:data} " + full, option, "```", ""]

    def module(self, full, module, level):
        if full.split(".")[-1] in FOLDERS_AT_TOP_LEVEL:   # its names are the sections' entries,
            top = {id(o) for _, _, entries in self.sections for _, o in entries}   # but for
            only = [n for n in _public(module) if id(getattr(module, n)) not in top]  # these
            lines = [f"{'#' * level} `{full}`: the names only there", ""] if only else []
            for sub in only:
                lines += self.entry(f"{full}.{sub}", getattr(module, sub), level + 1)
            return lines
        lines = [f"{'#' * level} `{full}`", ""]
        lines += rst_block([f".. automodule:: {full}"])
        for sub in _public(module):
            lines += self.entry(f"{full}.{sub}", getattr(module, sub), level + 1)
        return lines

    def klass(self, full, cls):
        members = [(kind, name, member) for kind, name, member in class_members(cls)]
        documented = [name for kind, name, _ in members if kind != "attribute"]
        lines = [f".. autoclass:: {full}"]
        if documented:
            lines.append(f"   :members: {', '.join(documented)}")
        if any(id(b) in self.home for b in cls.__bases__):
            lines.append("   :show-inheritance:")
        for kind, name, member in members:
            if kind == "attribute":
                value = self.home.get(id(member)) or default_text(member)
                lines += ["", f"   .. py:attribute:: {name}", f"      :value: {value}"]
        return rst_block(lines)


def api_page(nb) -> str:
    """The API page's MyST text for the package ``nb``."""
    return Page(nb).text()


# --- the Sphinx extension ----------------------------------------------------------

# A layer's "Shapes:" is a napoleon section of its own (docs/conf.py), whose lines are
# kept as written, one shape per line, and lines indented deeper continue the one above
# (napoleon's parameter style would read "with ``return_lse=True``: …" as an argument's
# name). "Shapes (k = n_kv_heads, L = length):" names its letters; napoleon knows a section
# only by a bare title, so the note becomes the sentence before it.
SHAPES = re.compile(r"^(\s*)Shapes(?: \((.+)\))?:\s*$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def shapes_as_lines(app, what, name, obj, options, lines):
    """An autodoc-process-docstring hook that runs before napoleon's: each ``Shapes:``
    section's lines become a reST line block."""
    i = 0
    while i < len(lines):
        m = SHAPES.match(lines[i])
        if not m:
            i += 1
            continue
        title = [f"{m[1]}In the shapes, {m[2]}.", ""] if m[2] else []
        lines[i:i + 1] = title + [f"{m[1]}Shapes:"]
        i += len(title) + 1
        end = i
        while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > len(m[1])):
            end += 1
        body = [j for j in range(i, end) if lines[j].strip()]
        if body:
            first = min(_indent(lines[j]) for j in body)
            for j in body:
                mark = "| " if _indent(lines[j]) == first else "  "
                lines[j] = " " * first + mark + lines[j].strip()
        i = end


def _signature(page, what, name, obj):
    """(arguments, return annotation) as a learner calls ``obj``, for autodoc."""
    if what == "class":
        text = signature_text(obj)
    elif what in ("function", "method"):
        owner = page.objects.get(name.rsplit(".", 1)[0])
        static = owner is not None and isinstance(
            inspect.getattr_static(owner, name.rsplit(".", 1)[1], None), staticmethod)
        # autodoc gives a method as the function (self first), a classmethod bound
        text = signature_text(obj, method=what == "method" and not static and not inspect.ismethod(obj))
    else:
        return None
    arguments, _, returns = text.partition(" -> ")
    return arguments, returns or None


def setup(app):
    """Sphinx extension: autodoc and napoleon, ``nb`` importable, learners' signatures,
    bases named as the page names them."""
    import nnbook

    app.setup_extension("sphinx.ext.autodoc")
    app.setup_extension("sphinx.ext.napoleon")
    page = Page(nnbook)
    for full, module in page.modules().items():
        sys.modules.setdefault(full, module)
    app.connect("autodoc-process-docstring", shapes_as_lines, priority=400)
    app.connect("autodoc-process-signature",
                lambda app, what, name, obj, options, sig, ret: _signature(page, what, name, obj))

    def bases(app, name, obj, options, found):
        found[:] = [page.home[id(b)] for b in found if id(b) in page.home]
    app.connect("autodoc-process-bases", bases)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
