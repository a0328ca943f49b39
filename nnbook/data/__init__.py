"""Data sets, all offline, one module per kind of data:

- ``generated.py``: sets made up by a formula: logic gates, blobs, spirals (chapters 01, 05, 09);
- ``digits.py``: scikit-learn's 8×8 digits, ``load_digits`` and the course's fixed
  ``digits_split`` (chapters 10–13);
- ``idx.py``: the IDX file reader and ``load_mnist`` for MNIST files you downloaded (chapter 10);
- ``splits.py``: ``train_test_split``; ``labels.py``: ``one_hot`` and the labels' checks;
- ``sequences.py``: the sine wave, the adding problem and the recall task, with their
  chance levels (chapters 15–16);
- ``language.py``: ``Language``, the generated language whose entropy is known;
  ``corpus.py``: its text as ids (``language_corpus``), ``char_windows``, ``token_windows``, ``bigram_probs``,
  ``random_windows`` (random token windows, Part IV)
  (chapters 17–18); ``window_bound.py``: the best loss a model reading only a window can reach
  (``Language.window_bound``); ``language_oracle.py``: the grammar's exact denoiser for
  masked diffusion, ``masked_conditionals``, ``window_log_prob`` and
  ``masked_diffusion_bound`` (chapter 28); ``sampling.py``: ``sample_text``, text from a trained model
  (chapter 18);
- ``bpe.py``: ``BPETokenizer``, byte-pair encoding, with its fast loops in ``bpe_merges.py``;
  ``stem_language.py``: ``StemLanguage``, the language with a lexicon of stems and affixes
  (chapter 19);
- ``subject_task.py``: ``SubjectTask``, prompts naming a subject and answers the grammar
  verifies exactly (chapter 22);
- ``mixture.py``: ``GaussianMixture``, a density whose value, score and noised versions are
  exact, and ``mixture_mmd``, a kernel distance from samples to it, with ``mixture_mmd_null``
  simulating its value on true samples (Part V).

A new data set gets a module of its own here (Part III's sequence data and generated
language go beside ``generated.py``), and its public names are re-exported below.
"""

from .bpe import BPETokenizer
from .corpus import bigram_probs, char_windows, language_corpus, random_windows, token_windows
from .digits import digits_split, load_digits
from .generated import blobs, logic_gate, spirals, xor
from .idx import load_mnist, read_idx
from .labels import one_hot
from .language import Language
from .language_oracle import masked_conditionals, masked_diffusion_bound, window_log_prob
from .sequences import adding_problem, chance_level, recall_task, sine_wave
from .mixture import MMD, GaussianMixture, mixture_mmd, mixture_mmd_null
from .sampling import sample_text
from .splits import train_test_split
from .stem_language import StemLanguage
from .subject_task import SubjectTask

__all__ = [
    "xor", "logic_gate", "blobs", "spirals", "load_digits", "digits_split", "train_test_split",
    "one_hot", "read_idx", "load_mnist",
    "sine_wave", "adding_problem", "recall_task", "chance_level",
    "Language", "language_corpus", "char_windows", "token_windows", "random_windows", "bigram_probs",
    "sample_text", "BPETokenizer", "StemLanguage", "SubjectTask",
    "GaussianMixture", "mixture_mmd", "MMD", "mixture_mmd_null",
    "masked_conditionals", "window_log_prob", "masked_diffusion_bound",
]
