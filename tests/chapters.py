"""The table of chapters: one row per notebook, and what belongs to it.

Adding a chapter means a row here plus the chapter's own files (its notebook, the modules it
introduces and their tests, its exercises' checkers and solutions, its claims test); the
lists that used to be kept by hand per chapter are derived from this table or checked
against it (tests/test_chapters.py):

- the browser test's explorables (tests/test_jupyterlab.py's EXPLORABLES: each row's
  explorable with a ``Slider``), derived;
- the book's chapters, grouped by Part (tools/build_book.py's table of contents), derived;
- the exercise solutions merged in tests/exercise_solutions.py (each row's ``solutions``),
  derived;
- README.md's chapter tables (Part, number, notebook), checked;
- the notebooks' exercises, explorables and stored seed tables, the exercise registry, the
  claims test files, the modules' and their test files' existence, and the diagram gallery
  (tests/test_diagrams.py) against the modules named here, checked;
- a pytest marker per chapter, ``pytest -m ch25``: that chapter's notebook (under --nbval),
  the test files of the modules it introduces, its exercises' tests, its stored tables'
  tests, its explorables' tests and its claims over seeds (the root conftest.py marks them
  with ``chapter_markers``).

This module is data and plain functions only: it imports nothing of nnbook, so the root
conftest.py, tools/build_book.py and the tests can all read it cheaply.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]

PARTS = {
    "I": "the lecture notes",
    "II": "after the notes",
    "III": "sequences and attention",
    "IV": "from a language model to a small LLM",
    "V": "generative models judged against the truth",
    "VI": "reasoning, evaluation, beyond attention, scaling",
}


class Slider(NamedTuple):
    """What tests/test_jupyterlab.py does with an explorable in JupyterLab: type ``value``
    into the readout of the slider labelled ``label``; the caption must then hold
    ``expected``. ``setup`` is what runs before the widget's cell: "imports" (the imports
    cell only) or "above" (every cell above it: the chapter trains what the widget shows)."""
    label: str
    value: str
    expected: str
    setup: str


class E(NamedTuple):
    """An explorable a chapter calls: ``nb.explore.<call>(…)``, defined in
    ``nnbook/explore/<module>.py``; ``slider`` when the browser test moves it (one a chapter)."""
    call: str
    module: str
    slider: Slider | None = None


class Chapter(NamedTuple):
    """One chapter. ``modules``: the nnbook modules it introduces (paths under nnbook/, the
    chapter their docstring names first); their test files are the chapter's library tests.
    ``tables``: its stored seed tables (nnbook/experiments/tables/NAME.json).
    ``solutions``: the module of tests/ holding its exercises' worked solutions.
    ``claims``: the tests/test_claims_over_seeds_*.py file holding its claims (its tests
    named ``test_NN_…`` or ``test_chapter_NN_…`` when the file holds several chapters)."""
    number: str
    notebook: str
    title: str
    part: str
    modules: tuple = ()
    explorables: tuple = ()
    tables: tuple = ()
    exercises: tuple = ()
    solutions: str = ""
    claims: str | None = None

    @property
    def stem(self) -> str:
        return self.notebook.removesuffix(".ipynb")

    @property
    def marker(self) -> str:
        return f"ch{self.number}"


CHAPTERS = [
    Chapter("00", "00_big_picture.ipynb", "The big picture", part="I",
            modules=("diagrams/networks.py", "exercises/basics.py", "explore/gradient_descent.py",
                     "plot/curves.py", "plot/style.py", "registry.py", "spellings.py",
                     "torch_bridge/map_core.py", "training/file_checks.py", "training/loading.py",
                     "training/loop.py", "training/loss_base.py", "training/losses.py",
                     "training/model.py", "training/optimizer_base.py", "training/optimizers.py",
                     "training/progress.py", "training/saving.py", "training/summary.py",
                     "training/weights.py"),
            explorables=(E("learning_rate", "gradient_descent"),),
            tables=(),
            exercises=("00.1", "00.2", "00.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_00_06.py"),
    Chapter("01", "01_delta_rule.ipynb", "The delta rule", part="I",
            modules=("data/generated.py", "explore/sigmoid.py", "kernels/elementwise.py",
                     "layers/activations.py"),
            explorables=(E("sigmoid_saturation", "sigmoid"),),
            tables=(),
            exercises=("01.1", "01.2", "01.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_00_06.py"),
    Chapter("02", "02_single_neuron_chain.ipynb", "A chain of single neurons", part="I",
            modules=("diagrams/graph.py", "gradcheck.py"),
            explorables=(),
            tables=(),
            exercises=("02.1", "02.2", "02.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_00_06.py"),
    Chapter("03", "03_multi_neuron_backprop.ipynb", "Many neurons per layer: backpropagation", part="I",
            modules=("diagrams/shapes.py", "exercises/backprop.py", "layers/base.py",
                     "layers/dense.py", "training/protocol.py"),
            explorables=(),
            tables=(),
            exercises=("03.1", "03.2", "03.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_00_06.py"),
    Chapter("04", "04_vectorised_batches.ipynb", "Vectorised batches", part="I",
            modules=("experiments/batch_sizes.py", "init.py"),
            explorables=(),
            tables=("04_batch_sizes",),
            exercises=("04.1", "04.2", "04.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_00_06.py"),
    Chapter("05", "05_xor.ipynb", "XOR", part="I",
            modules=("data/labels.py", "experiments/seeds.py", "explore/animation.py",
                     "explore/xor.py", "plot/spread.py", "training/metrics.py"),
            explorables=(E("xor_training", "xor"), E("xor_animation", "animation")),
            tables=(),
            exercises=("05.1", "05.2", "05.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_00_06.py"),
    Chapter("06", "06_deep_networks.ipynb", "Deep networks: vanishing and exploding gradients", part="I",
            modules=("diagnostics.py", "diagrams/residual.py", "exercises/deep.py",
                     "experiments/deep_stacks.py", "explore/initialisation.py"),
            explorables=(E("init_depth", "initialisation", Slider("depth", "30", "in each of 30 layers", "imports")),),
            tables=("06_clipping", "06_residual"),
            exercises=("06.1", "06.2", "06.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_00_06.py"),
    Chapter("07", "07_convolution_stride_padding.ipynb", "Convolution: filters, padding, stride", part="I",
            modules=("conv_impl.py", "diagrams/conv.py", "exercises/convolution.py",
                     "explore/conv.py", "layers/conv/conv2d.py", "layers/conv/rules.py",
                     "plot/images.py"),
            explorables=(E("conv_window", "conv", Slider("n", "12", "the output is 6×6", "imports")),),
            tables=(),
            exercises=("07.1", "07.2", "07.3"), solutions="exercise_solutions",
            claims=None),
    Chapter("08", "08_conv_layers_and_pooling.ipynb", "Convolution layers and pooling", part="I",
            modules=("experiments/learned_filters.py", "kernels/conv.py", "kernels/conv_dx.py",
                     "layers/conv/pooling.py"),
            explorables=(),
            tables=(),
            exercises=("08.1", "08.2", "08.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_07_14.py"),
    Chapter("09", "09_softmax.ipynb", "Softmax and multi-class outputs", part="I",
            modules=("diagrams/softmax.py", "exercises/classification.py",
                     "experiments/spiral_classifier.py", "explore/softmax.py",
                     "training/crossentropy.py"),
            explorables=(E("softmax_temperature", "softmax", Slider("T", "0.5", "T = 0.5: probabilities", "imports")),),
            tables=(),
            exercises=("09.1", "09.2", "09.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_07_14.py"),
    Chapter("10", "10_handwritten_digits.ipynb", "Handwritten digits", part="I",
            modules=("callbacks.py", "data/digits.py", "data/idx.py", "data/splits.py",
                     "experiments/digits_baselines.py", "metrics.py", "training/callback_base.py",
                     "training/callbacks.py", "training/monitoring.py", "training/step_plan.py"),
            explorables=(),
            tables=("10_byte_inputs", "10_fixed_split", "10_other_splits", "10_scaled_inputs"),
            exercises=("10.1", "10.2", "10.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_07_14.py"),
    Chapter("11", "11_optimizers.ipynb", "Optimizers", part="II",
            modules=("diagrams/optimizers.py", "exercises/optimizers.py",
                     "experiments/optimizers_compared.py", "explore/optimizers.py", "schedules.py",
                     "training/hyperparams.py", "training/schedules.py"),
            explorables=(E("optimizer_paths", "optimizers", Slider("α", "0.12", "SGD diverges", "imports")),),
            tables=("11_epochs_to_target", "11_final_training_loss", "11_final_validation",
                    "11_validation_spread",),
            exercises=("11.1", "11.2", "11.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_07_14.py"),
    Chapter("12", "12_generalisation.ipynb", "Generalisation", part="II",
            modules=("diagrams/regularisation.py", "exercises/generalisation.py",
                     "experiments/regularisers.py", "explore/regularisation.py",
                     "layers/dropout.py", "torch_bridge/map_regularisation.py"),
            explorables=(E("l2_polynomial", "regularisation"),),
            tables=("12_dropout_grid", "12_early_stopping", "12_l2_grid", "12_overfitting",
                    "12_test_accuracy", "12_validation_loss", "12_weight_norms",),
            exercises=("12.1", "12.2", "12.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_07_14.py"),
    Chapter("13", "13_batch_normalisation.ipynb", "Batch normalisation", part="II",
            modules=("diagrams/normalisation.py", "exercises/normalisation.py",
                     "experiments/batchnorm_effect.py", "kernels/aligned.py",
                     "layers/normalization/batchnorm.py"),
            explorables=(),
            tables=("13_deep_dense", "13_digits_cnn"),
            exercises=("13.1", "13.2", "13.3"), solutions="exercise_solutions",
            claims="test_claims_over_seeds_07_14.py"),
    Chapter("14", "14_automatic_differentiation.ipynb", "Automatic differentiation", part="II",
            modules=("autodiff/engine.py", "autodiff/forward.py", "autodiff/graph.py",
                     "autodiff/rules.py", "exercises/autodiff.py"),
            explorables=(),
            tables=(),
            exercises=("14.1", "14.2", "14.3"), solutions="exercise_solutions",
            claims=None),
    Chapter("15", "15_recurrent_networks.ipynb", "Recurrent networks", part="III",
            modules=("data/sequences.py", "diagrams/recurrent.py", "exercises/sequences.py",
                     "explore/recurrent.py", "layers/recurrent/rnn.py",
                     "torch_bridge/map_recurrent.py"),
            explorables=(E("gradient_through_time", "recurrent"),),
            tables=(),
            exercises=("15.1", "15.2", "15.3"), solutions="exercise_solutions_sequences",
            claims="test_claims_over_seeds_15_18.py"),
    Chapter("16", "16_gated_cells.ipynb", "Gated cells: LSTM and GRU", part="III",
            modules=("diagrams/gated.py", "experiments/long_recall.py", "layers/recurrent/gru.py",
                     "layers/recurrent/lstm.py", "training/clipping.py"),
            explorables=(E("gradient_through_time", "recurrent"),),
            tables=("16_recall",),
            exercises=("16.1", "16.2", "16.3"), solutions="exercise_solutions_sequences",
            claims="test_claims_over_seeds_15_18.py"),
    Chapter("17", "17_embeddings_and_attention.ipynb", "Embeddings and attention", part="III",
            modules=("data/corpus.py", "data/language.py", "data/stem_language.py",
                     "data/window_bound.py", "diagrams/attention.py", "exercises/attention.py",
                     "experiments/bigram_vs_attention.py", "explore/attention.py",
                     "layers/attention/dot_product.py", "layers/attention/multihead.py",
                     "layers/embedding.py", "torch_bridge/map_attention.py"),
            explorables=(
                # the sentence is "the cats (that a dog sees) run."; the query moves from ')' to 'a'
                E("attention_query", "attention", Slider("query", "5", "query 5 ('a'), layer 1: head 1 →", "above")),),
            tables=("17_attention",),
            exercises=("17.1", "17.2", "17.3"), solutions="exercise_solutions_attention",
            claims="test_claims_over_seeds_15_18.py"),
    Chapter("18", "18_a_small_transformer.ipynb", "A small transformer", part="III",
            modules=("data/sampling.py", "experiments/sequence_models.py", "explore/sampling.py",
                     "layers/attention/block_arrays.py", "layers/attention/transformer.py",
                     "layers/normalization/layernorm.py"),
            explorables=(E("next_char", "sampling"), E("attention_query", "attention")),
            tables=("18_floors", "18_gru", "18_lstm", "18_rnn", "18_transformer"),
            exercises=("18.1", "18.2"), solutions="exercise_solutions_attention",
            claims="test_claims_over_seeds_15_18.py"),
    Chapter("19", "19_tokens.ipynb", "Tokens", part="IV",
            modules=("data/bpe.py", "data/bpe_files.py", "data/bpe_merges.py",
                     "data/bpe_specials.py", "diagrams/tokens.py", "exercises/tokens.py",
                     "experiments/tokens_vs_characters.py", "explore/tokens.py"),
            explorables=(E("bpe_merges", "tokens", Slider("merges", "8", "8 merges: 64 bytes in 30 tokens", "imports")),),
            tables=("19_characters_same_bytes", "19_tokens_characters", "19_window_bound"),
            exercises=("19.1", "19.2", "19.3"), solutions="exercise_solutions_tokens",
            claims="test_claims_over_seeds_19_19.py"),
    Chapter("20", "20_the_modern_block.ipynb", "The modern block", part="IV",
            modules=("diagrams/modern.py", "exercises/modern.py", "experiments/modern_block.py",
                     "explore/modern.py", "layers/attention/gqa.py", "layers/attention/rope.py",
                     "layers/normalization/rmsnorm.py", "layers/swiglu.py", "layers/unembedding.py",
                     "torch_bridge/map_modern.py", "training/layer_refs.py"),
            explorables=(E("rope_score", "modern"),),
            tables=("20_ablation_parts", "20_ablation_swaps", "20_rematch_16", "20_rematch_32"),
            exercises=("20.1", "20.2", "20.3"), solutions="exercise_solutions_modern",
            claims="test_claims_over_seeds_20_20.py"),
    Chapter("21", "21_inference.ipynb", "Inference", part="IV",
            modules=("diagrams/inference.py", "exercises/grading.py", "exercises/inference.py",
                     "experiments/decoding.py", "explore/inference.py", "inference/caches.py",
                     "inference/generation.py", "inference/sampling.py",
                     "layers/attention/kv_cache.py"),
            explorables=(
                # the model is trained in the cells above (about 10 s); top-k 1 is greedy's one character
                E("decoding", "inference", Slider("top-k", "1", "τ = 2, top-k 1, top-p off: writes", "above")),),
            tables=("21_accepted", "21_bits", "21_distinct", "21_window"),
            exercises=("21.1", "21.2", "21.3"), solutions="exercise_solutions_inference",
            claims="test_claims_over_seeds_21_22.py"),
    Chapter("22", "22_post_training.ipynb", "Post-training", part="IV",
            modules=("data/subject_task.py", "diagrams/posttraining.py",
                     "exercises/posttraining.py", "experiments/sft_rl_dpo.py",
                     "explore/posttraining.py", "layers/adapters.py", "layers/lora.py",
                     "training/posttraining.py"),
            explorables=(
                # the RL run's record is made by the cells above (about 25 s of CPU): step 0 is the start
                E("rl_history", "posttraining", Slider("step", "0", "KL to the start 0.00 nats", "above")),),
            tables=("22_dpo", "22_rl", "22_rl_raw", "22_sft_accepted", "22_sft_bits"),
            exercises=("22.1", "22.2", "22.3"), solutions="exercise_solutions_posttraining",
            claims="test_claims_over_seeds_21_22.py"),
    Chapter("23", "23_serving.ipynb", "Serving", part="IV",
            modules=("diagrams/serving.py", "exercises/serving.py", "experiments/sliding_window.py",
                     "inference/batching.py", "inference/speculative.py"),
            explorables=(),
            tables=("23_window",),
            exercises=("23.1", "23.2", "23.3"), solutions="exercise_solutions_serving",
            claims="test_claims_over_seeds_23_23.py"),
    Chapter("24", "24_fewer_bits.ipynb", "Fewer bits, less memory", part="IV",
            modules=("diagrams/precision.py", "exercises/precision.py", "experiments/fewer_bits.py",
                     "explore/precision.py", "kernels/online_softmax.py",
                     "layers/attention/tiled.py", "precision/formats.py", "precision/mixed.py",
                     "precision/quantise.py", "precision/tiles.py"),
            explorables=(
                # counts only: the imports draw it; log2 T = 12 is T = 4096
                E("tile_memory", "precision", Slider("log₂ T", "12", "T = 4096, tiles of 64", "imports")),),
            tables=("24_formats", "24_parts"),
            exercises=("24.1", "24.2", "24.3"), solutions="exercise_solutions_precision",
            claims="test_claims_over_seeds_24_24.py"),
    Chapter("25", "25_latent_variables.ipynb", "Latent variables and the VAE", part="V",
            modules=("data/mixture.py", "diagrams/latent.py", "exercises/latent.py",
                     "experiments/vae_bounds.py", "explore/latent.py", "generative/gaussian.py",
                     "generative/vae.py"),
            explorables=(
                # a closed-form model, its numbers (x = 1.25, w = 1, noise 0.75) made in the cell above
                E("posterior_gap", "latent", Slider("μ", "0.9", "μ = 0.90, σ = 1.00: ELBO -2.034", "above")),),
            tables=("25_digits_beta", "25_mixture_vae"),
            exercises=("25.1", "25.2", "25.3"), solutions="exercise_solutions_latent",
            claims="test_claims_over_seeds_25_25.py"),
    Chapter("26", "26_diffusion.ipynb", "Diffusion and flow matching", part="V",
            modules=("exercises/diffusion.py", "experiments/diffusion_samplers.py",
                     "explore/diffusion.py", "generative/denoiser.py", "generative/exact.py",
                     "generative/noise.py", "generative/samplers.py",
                     "generative/time_embedding.py", "plot/fields.py",
                     "torch_bridge/map_generative.py"),
            explorables=(
                # the mixture and the schedule are made in the cells above (a few seconds)
                E("score_field", "diffusion", Slider("t", "0.5", "t = 0.50: ᾱ = 0.079", "above")), E("flow_animation", "diffusion")),
            tables=("26_mmd_null", "26_samplers_bias", "26_samplers_exact", "26_samplers_learned"),
            exercises=("26.1", "26.2", "26.3"), solutions="exercise_solutions_diffusion",
            claims="test_claims_over_seeds_26_26.py"),
    Chapter("27", "27_guidance.ipynb", "Guidance: conditional diffusion, exactly first, then digits", part="V",
            modules=("diagrams/guidance.py", "exercises/guidance.py",
                     "experiments/guided_sampling.py", "explore/guidance.py",
                     "generative/conditional.py", "generative/guidance.py",
                     "generative/guidance_gaussian.py"),
            explorables=(
                # the mixture and the schedule are made in the cells above (about 10 s); at w = 6 the
                # samples have climbed from the class's centre (0, 1.8), where the tilted density stays
                E("guidance_weight", "guidance", Slider("w", "6",
                         "w = 6.00: samples at (0.02, 2.20), spread 0.40; the tilted density at (0.00, 1.80)",
                         "above")),),
            tables=("27_digits_guidance",),
            exercises=("27.1",), solutions="exercise_solutions_guidance",
            claims="test_claims_over_seeds_27_27.py"),
    Chapter("28", "28_diffusion_language_model.ipynb", "A diffusion language model against an exact oracle", part="V",
            modules=("data/language_oracle.py", "diagrams/masked.py", "exercises/masked.py",
                     "experiments/masked_diffusion.py", "generative/masked.py",
                     "generative/unmasking.py"),
            explorables=(),
            tables=("28_masked_diffusion",),
            exercises=("28.1",), solutions="exercise_solutions_masked",
            claims="test_claims_over_seeds_28_28.py"),
    Chapter("31", "31_beyond_attention.ipynb",
            "Beyond attention: linear attention and chapter 01's delta rule", part="VI",
            modules=("diagrams/state.py", "exercises/state.py", "experiments/state_memory.py",
                     "kernels/linear_attention.py", "layers/attention/delta.py",
                     "layers/attention/linear.py"),
            explorables=(),
            tables=("31_grammar",),
            exercises=("31.1", "31.2"), solutions="exercise_solutions_state",
            claims="test_claims_over_seeds_31_31.py"),
]
BY_NUMBER = {c.number: c for c in CHAPTERS}


# --- derived lists ---------------------------------------------------------------------------

def browser_explorables():
    """tests/test_jupyterlab.py's EXPLORABLES: (notebook, the call that shows the widget, the
    slider's label, the value typed, a text the caption must then hold, the setup), one per
    chapter whose explorable has a Slider, in chapter order."""
    return [(c.notebook, f"nb.explore.{e.call}(") + tuple(e.slider)
            for c in CHAPTERS for e in c.explorables if e.slider is not None]


def parts():
    """[(Part, its title, [its chapters])] in order, for the book and README."""
    return [(part, title, [c for c in CHAPTERS if c.part == part]) for part, title in PARTS.items()]


def solution_modules():
    """The modules of tests/ holding the worked solutions, each once, in chapter order."""
    return list(dict.fromkeys(c.solutions for c in CHAPTERS))


# --- the per-chapter pytest markers ----------------------------------------------------------

def _module_test_names(rel: str) -> list:
    """The test file stems the naming rule gives a module (tests/test_contributing.py):
    nnbook/<folder>/<module>.py → test_<folder>_<module>, and a layer in a family folder
    (nnbook/layers/attention/rope.py) also test_layers_<module>."""
    parts_ = Path(rel).with_suffix("").parts
    names = ["test_" + "_".join(parts_)]
    if parts_[0] == "layers" and len(parts_) == 3:
        names.append(f"test_layers_{parts_[2]}")
    return names


def _all_modules() -> list:
    package = ROOT / "nnbook"
    return sorted(p.relative_to(package).as_posix() for p in package.rglob("*.py")
                  if not p.name.startswith("_") and "__pycache__" not in p.parts)


def test_files_by_chapter(test_names=None) -> dict:
    """{test file name: {chapter numbers}} for the library tests: a file goes to the module
    whose rule name is the longest that it equals or extends with ``_aspect``
    (test_generative_guidance_gaussian.py is nnbook/generative/guidance_gaussian.py's, not
    nnbook/generative/guidance.py's), then to the chapter introducing that module; a family's own
    file (test_layers_attention.py) goes to the first chapter introducing one of its
    layers; test_torch_parity_<family>.py to the chapter of torch_bridge/map_<family>.py; a
    package's own file (test_autodiff.py) to the chapter introducing all of its modules, if
    one does; and each explorable's module's file (test_explore_<module>.py) goes to every
    chapter that calls it."""
    if test_names is None:
        test_names = [p.stem for p in (ROOT / "tests").glob("test_*.py")]
    chapter_of = {m: c.number for c in CHAPTERS for m in c.modules}
    rule = {}                                     # test name → module
    for module in _all_modules():
        for name in _module_test_names(module):
            rule.setdefault(name, module)
    families = {}                                 # test_layers_<family> → first chapter
    for c in CHAPTERS:
        for m in c.modules:
            p = Path(m).parts
            if p[0] == "layers" and len(p) == 3:
                families.setdefault(f"test_layers_{p[1]}", c.number)
    found = {}
    for stem in test_names:
        matches = [n for n in rule if stem == n or stem.startswith(n + "_")]
        chapters = set()
        if matches:
            module = rule[max(matches, key=len)]
            if module in chapter_of:
                chapters.add(chapter_of[module])
        elif stem in families or any(stem.startswith(f + "_") for f in families):
            family = next(f for f in families if stem == f or stem.startswith(f + "_"))
            chapters.add(families[family])
        elif stem.startswith("test_torch_parity_"):      # the bridge's map of that family
            module = f"torch_bridge/map_{stem.removeprefix('test_torch_parity_')}.py"
            if module in chapter_of:
                chapters.add(chapter_of[module])
        else:                                     # a package's own file: test_autodiff.py
            folder = stem.removeprefix("test_").split("_")[0]
            owners = {n for m, n in chapter_of.items() if m.startswith(folder + "/")}
            if len(owners) == 1 and (ROOT / "nnbook" / folder).is_dir():
                chapters |= owners
        if stem.startswith("test_explore_"):
            chapters |= {c.number for c in CHAPTERS
                         for e in c.explorables if stem == f"test_explore_{e.module}"}
        if chapters:
            found[stem + ".py"] = chapters
    return found


_EXERCISE_TESTS = re.compile(r"^test_exercises(_\w+)?\.py$")


def chapters_of(file_name: str, test_name: str, param_id: str, by_file: dict) -> set:
    """The chapters a collected test belongs to, from its file's name, its function's
    name and its parameters' id (``by_file``: ``test_files_by_chapter()``)."""
    found = set(by_file.get(file_name, ()))
    for c in CHAPTERS:
        if file_name == c.notebook:
            found.add(c.number)
        elif file_name == c.claims:
            first, last = re.findall(r"(\d\d)_(\d\d)", file_name)[0]
            if first == last or re.match(rf"test_(chapter_)?{c.number}_", test_name):
                found.add(c.number)
        elif param_id and _EXERCISE_TESTS.match(file_name) and (
                any(re.search(rf"(?<![\d.]){re.escape(x)}(?!\d)", param_id) for x in c.exercises)
                or c.stem in param_id):
            found.add(c.number)
        elif param_id and file_name == "test_experiments.py" and param_id in c.tables:
            found.add(c.number)
    return found


def chapter_markers(items) -> None:
    """Give each collected item the marker chNN of each chapter it belongs to (the root
    conftest.py calls this from pytest_collection_modifyitems)."""
    import pytest

    by_file = test_files_by_chapter()
    for item in items:
        callspec = getattr(item, "callspec", None)
        name = getattr(item, "originalname", None) or item.name
        for number in sorted(chapters_of(item.path.name, name, callspec.id if callspec else "",
                                         by_file)):
            item.add_marker(getattr(pytest.mark, f"ch{number}"))
