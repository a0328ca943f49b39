"""Data sets, all offline, one module per kind of data, their public names re-exported here:

- generated.py: logic gates, blobs, spirals (chapters 01, 05, 09); digits.py: the 8×8
  digits and ``digits_split`` (10–13); idx.py: ``load_mnist`` (10); splits.py, labels.py;
- sequences.py: the sine wave, adding and recall tasks (15–16);
- language.py: ``Language``, the generated language whose entropy is known; corpus.py: its
  text as ids and windows; window_bound.py (17–18; ``nb.sample_text`` writes with a model:
  nnbook/inference/text.py); parser_states.py: the parser's state per character (36);
- bpe.py (with bpe_merges.py, bpe_specials.py and bpe_files.py: saving, loading, other
  tokenizers' files): ``BPETokenizer``; stem_language.py: ``StemLanguage`` (19);
- subject_task.py: ``SubjectTask`` (22); mixture.py: ``GaussianMixture`` and its MMD
  (Part V); language_oracle.py: the grammar's exact masked conditionals (28);
  accepted_answers.py: every answer the task accepts, up to a length (29);
- two_sources.py: ``TwoSources``, two grammars mixed at a share, each with its exact
  entropy and per-sentence NLL (32)."""

from .accepted_answers import accepted_answers
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
from .splits import train_test_split
from .stem_language import StemLanguage
from .subject_task import SubjectTask
from .two_sources import MixedText, TwoSources
from .window_bound import window_entropy

__all__ = [
    "xor", "logic_gate", "blobs", "spirals", "load_digits", "digits_split", "train_test_split",
    "one_hot", "read_idx", "load_mnist",
    "sine_wave", "adding_problem", "recall_task", "chance_level",
    "Language", "language_corpus", "char_windows", "token_windows", "random_windows", "bigram_probs",
    "BPETokenizer", "StemLanguage", "SubjectTask",
    "GaussianMixture", "mixture_mmd", "MMD", "mixture_mmd_null",
    "masked_conditionals", "window_log_prob", "masked_diffusion_bound", "accepted_answers",
    "TwoSources", "MixedText", "window_entropy",
]
