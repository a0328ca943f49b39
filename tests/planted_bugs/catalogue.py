"""The planted bugs of issue 54: realistic mistakes, each a small patch, and the course's
checks meant to catch them (`nox -s mutants` runs them: tools/planted_bugs.py).

Each entry of BUGS:
    id        a short name, unique;
    chapters  the chapters whose computation it breaks ("09");
    bug       the mistake, in one sentence;
    source    where such a bug happened: a public issue/PR/paper, or the learner's mistake
              that an exercise checker of nnbook.exercises names (its exercise id);
    patch     [(file, old, new), ...]: exact search → replace; old occurs exactly once;
    notebooks the chapters' notebooks run (nbval, outputs not compared: --nbval-lax);
    tests     the test files run (a bug counts as caught when an assert or a test fails);
    conclusion  True when the bug changes a conclusion a chapter states, not only a number;
    caught_by the first failing check of the last full run (see README.md here).
The runner stops each entry at its first failure (-x) and runs the listed files in order,
so caught_by names the first one that failed; the others were not run.
"""

NB = "notebooks/"


def bug(id, chapters, bug, source, patch, notebooks=(), tests=(), conclusion=False, caught_by=None):
    return {"id": id, "chapters": list(chapters), "bug": bug, "source": source,
            "patch": [tuple(p) for p in patch], "notebooks": [NB + n for n in notebooks],
            "tests": list(tests), "conclusion": conclusion, "caught_by": caught_by}


OPT = "nnbook/optimizers/"   # sgd.py, adam.py, adamw.py
ACT = "nnbook/layers/activations.py"

BUGS = [
    # Part I — chapters 00–06 ------------------------------------------------------------
    bug("sgd-ascends", ["00"],
        "Plain SGD adds lr·g instead of subtracting it: gradient ascent.",
        "learner mistake: w ← w + α ∂E/∂w (the sign of the update; chapter 00's rule)",
        [(OPT + "sgd.py", "            np.multiply(g, lr, out=tmp)\n            p -= tmp",
               "            np.multiply(g, lr, out=tmp)\n            p += tmp")],
        ["00_big_picture.ipynb"], ["tests/test_optimizers.py"], conclusion=True),
    bug("sigmoid-derivative-of-z", ["01"],
        "σ'(z) written σ(z)(1 − z), with z where σ(z) belongs.",
        "exercise 03.2's named mistake for tanh ('1 − y² needs y = tanh(x), not x'), here for σ",
        [(ACT, "        s = sigmoid(x)\n        return s * (1.0 - s)",
               "        s = sigmoid(x)\n        return s * (1.0 - x)")],
        ["01_delta_rule.ipynb"], ["tests/test_layers_activations.py"]),
    bug("sigmoid-backward-no-derivative", ["01", "02", "05"],
        "Sigmoid's backward passes dy through unchanged, forgetting σ'(z).",
        "exercise 03.2's named mistake 'this is dy ⊙ f(x)' / the derivative left out",
        [(ACT, "        y = self._y\n        return dy * y * (1.0 - y)",
               "        y = self._y\n        return dy")],
        ["01_delta_rule.ipynb", "05_xor.ipynb"], ["tests/test_layers_activations.py"]),
    bug("tanh-backward-uses-x", ["03"],
        "tanh's backward uses 1 − x² instead of 1 − tanh²(x).",
        "exercise 03.2: '1 − y² needs y = tanh(x), not x'",
        [(ACT, "        t = np.tanh(x)\n        return 1.0 - t * t",
               "        t = np.tanh(x)\n        return 1.0 - x * x")],
        ["03_multi_neuron_backprop.ipynb"], ["tests/test_layers_activations.py"]),
    bug("dense-dx-w-not-transposed", ["03"],
        "Dense's input gradient uses dy @ W instead of dy @ Wᵀ.",
        "exercise 03.1: 'W is not transposed: dx = dy @ W.T' (the notes' column form carried over)",
        [("nnbook/layers/dense.py", "return dy @ W.T if need_dx else None",
          "return dy @ W.T.T if need_dx else None")],
        ["03_multi_neuron_backprop.ipynb"], ["tests/test_layers_dense.py"]),
    bug("dense-db-averaged", ["03", "04"],
        "Dense's bias gradient is averaged over the batch instead of summed (1/m applied twice).",
        "exercise 03.1: 'db is averaged: the layer sums over the batch (the 1/m belongs to the loss)'",
        [("nnbook/layers/dense.py", "np.add.reduce(dy, axis=0, out=self.grads[\"b\"])  # (n_out,)",
          "np.mean(dy, axis=0, out=self.grads[\"b\"])  # (n_out,)")],
        ["04_vectorised_batches.ipynb"], ["tests/test_layers_dense.py"]),
    bug("mse-gradient-no-2", ["03"],
        "MSE's gradient drops the factor 2 of d(e²)/de.",
        "exercise 03.3: 'the factor 2/n is missing'",
        [("nnbook/training/losses.py", "d *= 2.0 / d.size", "d *= 1.0 / d.size")],
        ["03_multi_neuron_backprop.ipynb"], ["tests/test_training_losses.py"]),
    bug("bce-fused-no-1-over-m", ["04"],
        "The fused sigmoid + BCE gradient ŷ − y is not divided by m.",
        "learner mistake named by the chapter-04 exercises: the missing 1/m of the vectorised form",
        [("nnbook/training/losses.py", "        return (p - yt) / p.size", "        return (p - yt)")],
        ["04_vectorised_batches.ipynb"], ["tests/test_training_losses_fused.py"]),
    bug("fit-shuffles-once", ["04"],
        "fit draws one permutation in the first epoch and reuses it in every epoch after.",
        "issue 66 (a planted bug that passed every assert): the shuffle drawn once, outside "
        "the epoch loop, where chapter 04 says each epoch draws a new order",
        [("nnbook/training/batches.py", "            perm = rng.permutation(len(x))\n",
          "            perm = self.__dict__.setdefault(\"perm\", rng.permutation(len(x)))\n")],
        # notebook 04, the last section's check: the orders fit draws in two epochs
        # (read from the rows reaching Dense.forward) differ
        ["04_vectorised_batches.ipynb"], ["tests/test_training_model.py"]),
    bug("he-init-no-2", ["06"],
        "He initialisation draws with std √(1/n_in) (LeCun's) instead of √(2/n_in).",
        "exercise 05's 'the He initial scale' (the factor 2 for ReLU, He et al. 2015)",
        [("nnbook/init.py", "normal(np.sqrt(2.0 / fan_in))", "normal(np.sqrt(1.0 / fan_in))")],
        ["06_deep_networks.ipynb"], ["tests/test_init.py"]),
    bug("clipnorm-inverted", ["06"],
        "The optimizer's clipnorm scales a gradient by ‖g‖/c instead of c/‖g‖.",
        "learner mistake: the clipping ratio upside down (chapter 06's gradient clipping)",
        [("nnbook/optimizers/base.py", "np.multiply(g, self.clipnorm / norm, out=tmp)",
          "np.multiply(g, norm / self.clipnorm, out=tmp)")],
        ["06_deep_networks.ipynb"], ["tests/test_optimizers_base.py"]),
    bug("clip-grad-norm-inverted", ["06"],
        "nb.clip_grad_norm scales by ‖g‖/c instead of c/‖g‖ (the library's PyTorch-style helper).",
        "learner mistake: the clipping ratio upside down",
        [("nnbook/optimizers/clipping.py", "scale = max_norm / total", "scale = total / max_norm")],
        [], ["tests/test_optimizers_clipping.py"]),
    bug("relu-backward-passes-all", ["06", "08"],
        "ReLU's derivative tests its output y = max(0, x) with ≥ 0, always true, so every "
        "gradient passes.",
        "learner mistake: ReLU's derivative tested on the output with ≥ (0 at x ≤ 0 is lost)",
        [(ACT, "        return (x > 0).astype(x.dtype if x.dtype.kind == \"f\" else np.float64)",
               "        return (self.function(x) >= 0).astype(x.dtype if x.dtype.kind == \"f\" "
               "else np.float64)")],
        ["06_deep_networks.ipynb"], ["tests/test_layers_activations.py"]),

    # Part II — chapters 07–10 -----------------------------------------------------------
    bug("conv-size-off-by-one", ["07"],
        "The conv output size drops the + 1 of ⌊(n + 2p − f)/s⌋ + 1.",
        "exercise 07's named mistake: an off-by-one output size",
        [("nnbook/layers/conv/rules.py", "return (n + before + after - f) // stride + 1",
          "return (n + before + after - f) // stride")],
        ["07_convolution_stride_padding.ipynb"], ["tests/test_layers_conv.py"]),
    bug("maxpool-grad-first-pixel", ["08"],
        "Max-pool's backward sends each window's gradient to its first pixel, not to its max.",
        "learner mistake: the max-pool gradient routed to a fixed pixel of the window",
        [("nnbook/layers/conv/pooling.py",
          "                np.equal(xt, y, out=hit)\n                np.logical_not(hit, out=free)",
          "                hit.fill(True)\n                np.logical_not(hit, out=free)")],
        ["08_conv_layers_and_pooling.ipynb"], ["tests/test_layers_pooling.py"]),
    bug("softmax-no-max", ["09"],
        "softmax exponentiates z without subtracting its max: overflow at z = 1000.",
        "exercise 09's named mistake: softmax without its max",
        [(ACT, "e = np.exp(z - z.max(axis=axis, keepdims=True))", "e = np.exp(z)")],
        ["09_softmax.ipynb"], ["tests/test_layers_activations.py"]),
    bug("softmax-backward-sum-dy", ["09"],
        "Softmax's backward subtracts y·Σdy instead of y·Σ(dy ⊙ y).",
        "learner mistake: the Jacobian's −y_i y_j term applied to dy alone",
        [(ACT, "dx -= y * dx.sum(axis=-1, keepdims=True)  # −",
               "dx -= y * dy.sum(axis=-1, keepdims=True)  # −")],
        ["09_softmax.ipynb"], ["tests/test_layers_activations.py"]),
    bug("ce-fused-no-1-over-m", ["09"],
        "The fused softmax + cross-entropy gradient ŷ − y is not divided by m.",
        "issue 54: 'the fused cross-entropy gradient only by chapter 09'; the missing 1/m",
        [("nnbook/training/crossentropy.py", "return (p - yt) / (p.size // p.shape[-1])",
          "return (p - yt)")],
        ["09_softmax.ipynb"], ["tests/test_training_losses_fused.py"]),
    bug("accuracy-argmax-axis", ["10"],
        "nb.metrics.accuracy takes each column's argmax (over the samples) instead of each row's.",
        "learner mistake: np.argmax over axis 0 (chapter 10's predicted digit is a row's argmax)",
        [("nnbook/data/labels.py", "return a.argmax(axis=1).astype(np.int64), a.shape[1]",
          "return a.argmax(axis=0).astype(np.int64), a.shape[1]")],
        ["10_handwritten_digits.ipynb"], ["tests/test_training_metrics.py"]),
    bug("fit-accuracy-argmax-axis", ["10"],
        "fit's 'accuracy' metric compares argmaxes over the batch axis instead of the class axis.",
        "the same argmax mistake in Keras' metric that fit reports (a library detail: chapter 10 "
        "measures accuracy with nb.metrics.accuracy)",
        [("nnbook/training/loop.py", "hits = out.argmax(axis=-1) == yt.argmax(axis=-1)",
          "hits = out.argmax(axis=0) == yt.argmax(axis=0)")],
        [], ["tests/test_training_model.py"]),

    # Part III — chapters 11–14 ----------------------------------------------------------
    bug("adam-no-bias-correction", ["11"],
        "Adam leaves out m's bias correction 1/(1 − β₁ᵗ).",
        "exercise 11's named Adam mistakes (Kingma & Ba, Algorithm 1)",
        [(OPT + "adam.py", "tmp *= lr / (1 - b1 ** t)", "tmp *= lr")],
        ["11_optimizers.ipynb"], ["tests/test_optimizers.py"]),
    bug("momentum-never-decays", ["11"],
        "SGD with momentum never multiplies the velocity by μ (μ = 1 in effect).",
        "learner mistake: v ← v − lr·g, the μ forgotten",
        [(OPT + "sgd.py", "        v *= self.momentum\n        v -= tmp", "        v -= tmp")],
        ["11_optimizers.ipynb"], ["tests/test_optimizers.py"]),
    bug("dropout-no-rescale", ["12"],
        "Inverted dropout keeps entries without scaling them by 1/(1 − p).",
        "exercise 12's named mistake: inverted dropout without 1/(1 − p)",
        [("nnbook/layers/dropout.py", "np.multiply(keep, 1.0 / (1.0 - self.rate), dtype=x.dtype)",
          "np.multiply(keep, 1.0, dtype=x.dtype)")],
        ["12_generalisation.ipynb"], ["tests/test_layers_dropout.py"]),
    bug("batchnorm-running-var-biased", ["13"],
        "BatchNorm's running variance averages the biased σ² instead of σ²·M/(M − 1).",
        "PyTorch's BatchNorm convention (unbiased running variance) missed",
        [("nnbook/layers/normalization/batchnorm.py", "running_var += (mom * M / (M - 1)) * var",
          "running_var += mom * var")],
        ["13_batch_normalisation.ipynb"], ["tests/test_layers_batchnorm.py"]),
    bug("batchnorm-momentum-keras", ["13"],
        "BatchNorm's running mean weights the new batch by 1 − momentum (Keras' convention in PyTorch's).",
        "the Keras/PyTorch momentum mix-up BatchNorm's own error message warns about",
        [("nnbook/layers/normalization/batchnorm.py",
          "        running_mean *= 1 - mom\n        running_mean += mom * mu",
          "        running_mean *= mom\n        running_mean += (1 - mom) * mu")],
        ["13_batch_normalisation.ipynb"], ["tests/test_layers_batchnorm.py"]),
    bug("autodiff-overwrites-grad", ["14"],
        "Reverse mode assigns a parent's gradient instead of adding to it (a node used twice).",
        "micrograd's classic: `=` for `+=` in backward (karpathy/micrograd, its lecture's bug)",
        [("nnbook/autodiff/engine.py", "parent.grad += local * node.grad", "parent.grad = local * node.grad")],
        ["14_automatic_differentiation.ipynb"], ["tests/test_autodiff.py"]),
    bug("autodiff-tanh-rule-no-square", ["14"],
        "The tanh rule's derivative is 1 − tanh(a), the square missing.",
        "exercise 03.2: 'the square is missing: f'(x) = 1 − tanh²(x)'",
        [("nnbook/autodiff/rules.py", "lambda a: 1.0 - math.tanh(a) ** 2", "lambda a: 1.0 - math.tanh(a)")],
        ["14_automatic_differentiation.ipynb"], ["tests/test_autodiff.py"]),

    # Part IV — chapters 15–22 -----------------------------------------------------------
    bug("rnn-no-carry-back", ["15"],
        "RNN backward does not carry ∂E/∂h back through W_h (truncated to one step).",
        "exercise 15's BPTT knob: the gradient through time left out",
        [("nnbook/layers/recurrent/rnn.py", "dh = dZ[t] @ W_hT ", "dh = 0.0 * dZ[t] ")],
        ["15_recurrent_networks.ipynb"], ["tests/test_layers_recurrent.py"]),
    bug("rnn-w-h-not-transposed", ["15"],
        "RNN backward multiplies by W_h instead of W_hᵀ (square, so no shape error).",
        "exercise 15's BPTT knob: a transposed W (exercise 03.1's 'W is not transposed')",
        [("nnbook/layers/recurrent/rnn.py", "dh = dZ[t] @ W_hT ", "dh = dZ[t] @ W_hT.T ")],
        ["15_recurrent_networks.ipynb"], ["tests/test_layers_recurrent.py"]),
    bug("lstm-cell-grad-no-forget", ["16"],
        "LSTM backward carries δc to t − 1 without the forget gate's factor f_t.",
        "learner mistake: the cell path's ∂c_t/∂c_{t−1} = f_t forgotten (chapter 16's constant error carousel)",
        [("nnbook/layers/recurrent/lstm.py", "dc *= f_t ", "dc *= 1.0 ")],
        ["16_gated_cells.ipynb"], ["tests/test_layers_recurrent.py"]),
    bug("attention-scale-1-over-d", ["17"],
        "nb.attention scales the scores by 1/d instead of 1/√d.",
        "issue 54: attention's 1/√d caught by a unit test only",
        [("nnbook/layers/attention/dot_product.py", "scale = 1.0 / math.sqrt(q.shape[-1])",
          "scale = 1.0 / q.shape[-1]")],
        ["17_embeddings_and_attention.ipynb"], ["tests/test_layers_attention_function.py"]),
    bug("attention-causal-sees-next", ["17"],
        "The causal mask lets each query see the next position too (np.tri with k=1).",
        "off-by-one causal masks (a future token leaks; chapter 17's mask)",
        [("nnbook/layers/attention/dot_product.py", "np.tri(*A.shape[-2:], dtype=bool)",
          "np.tri(*A.shape[-2:], k=1, dtype=bool)")],
        ["17_embeddings_and_attention.ipynb"], ["tests/test_layers_attention_function.py"]),
    bug("mha-scale-1-over-d", ["17"],
        "MultiHeadAttention's forward scales Q by 1/d_head instead of 1/√d_head.",
        "the 1/√d_k of Vaswani et al. 2017 replaced by 1/d_k",
        [("nnbook/layers/attention/multihead.py",
          "        scale = 1.0 / math.sqrt(dh)\n        W = np.concatenate(",
          "        scale = 1.0 / dh\n        W = np.concatenate(")],
        ["17_embeddings_and_attention.ipynb"], ["tests/test_layers_attention.py"]),
    bug("layernorm-backward-no-mean-term", ["18"],
        "LayerNorm's backward drops the −⟨g⟩ term that comes from the mean.",
        "learner mistake: the gradient through μ forgotten in a normalisation's backward",
        [("nnbook/layers/normalization/_last_axis.py", "            dx -= g.mean(axis=1, keepdims=True)",
          "            dx -= 0.0")],
        # notebook 18, the backward's check: nb.LayerNorm's dX against the formula by
        # hand (fails first), then check_gradients' errors < 1e-7 (finite differences)
        ["18_a_small_transformer.ipynb"], ["tests/test_layers_layernorm.py"]),
    bug("norm-no-square-root", ["18", "20"],
        "LayerNorm and RMSNorm divide by σ² + ε instead of √(σ² + ε).",
        "learner mistake: the variance where the standard deviation belongs",
        [("nnbook/layers/normalization/_last_axis.py", "r = 1.0 / np.sqrt(ms + self.eps)",
          "r = 1.0 / (ms + self.eps)")],
        ["20_the_modern_block.ipynb"], ["tests/test_layers_rmsnorm.py"]),
    bug("bpe-merge-overlap", ["19"],
        "BPE's encoder merges both pairs of 'a a a' (an overlap), not just the first.",
        "exercise 19's knob 'counts overlapping pairs' (the 'a a a' case of chapter 19)",
        [("nnbook/data/bpe_merges.py", "            if j == _GONE or tok[i] != a or tok[j] != b:\n",
          "            if j == _GONE:\n")],
        ["19_tokens.ipynb"], ["tests/test_data_bpe.py"]),
    bug("bpb-bytes-through-decode", ["19"],
        "Bits per byte count a token's bytes through decode, which turns split UTF-8 into U+FFFD.",
        "karpathy/nanochat PR #693, karpathy/autoresearch PR #385",
        [(NB + "19_tokens.ipynb", "len(tok600.vocab[i]) for i in range(tok600.vocab_size)",
          "len(tok600.decode([i]).encode('utf-8')) for i in range(tok600.vocab_size)")],
        ["19_tokens.ipynb"]),
    bug("gpt4-pattern-digits-in-one-run", ["19"],
        "GPT-4's split pattern keeps a run of digits whole (GPT-2's \\d+), not in groups of "
        "at most three.",
        "issue 66 (a planted bug no notebook ran): GPT-4's pattern written from GPT-2's, the "
        "change it makes to numbers lost",
        [("nnbook/data/bpe_files.py", r"|\d{1,3}", r"|\d+")],
        # notebook 19, section 4's check of GPT4_PATTERN on a string cut by hand
        ["19_tokens.ipynb"], ["tests/test_data_bpe_tiktoken.py"]),
    bug("tiktoken-bytes-by-value", ["19"],
        "A tiktoken rank file's single bytes get their values as ids, not the ranks the "
        "file gives them.",
        "cl100k_base ranks the printable bytes first, not by value: karpathy/minbpe's "
        "GPT4Tokenizer keeps a byte_shuffle to undo it; issue 66 (no notebook read a rank file)",
        [("nnbook/data/bpe_files.py", "ids = [ranks[bytes([b])] for b in range(256)]",
          "ids = list(range(256))")],
        # notebook 19, section 4's check: the rank file's tokenizer gives the ids of the
        # tokenizer it was written from, each byte renamed to its rank
        ["19_tokens.ipynb"], ["tests/test_data_bpe_tiktoken.py"]),
    bug("rope-exponent-sign", ["20"],
        "RoPE's frequencies are base^(+2i/d) instead of base^(−2i/d).",
        "labmlai/annotated_deep_learning_paper_implementations #313",
        [("nnbook/layers/attention/rope.py", "float(base) ** (-np.arange(0, d_head, 2",
          "float(base) ** (np.arange(0, d_head, 2")],
        ["20_the_modern_block.ipynb"], ["tests/test_layers_rope.py"]),
    bug("rope-rotation-transposed", ["20"],
        "RoPE rotates by −θ: the rotation matrix transposed against the textbook.",
        "karpathy/nanochat PR #489",
        [("nnbook/layers/attention/rope.py", "out[..., 0::2] -= bs ", "out[..., 0::2] += bs "),
         ("nnbook/layers/attention/rope.py", "np.add(as_, bc, out=out[..., 1::2])",
          "np.subtract(bc, as_, out=out[..., 1::2])")],
        ["20_the_modern_block.ipynb"], ["tests/test_layers_rope.py"]),
    bug("swiglu-silu-grad-no-s", ["20"],
        "SwiGLU's backward uses SiLU'(h) = h·σ'(h), the product rule's σ(h) term lost.",
        "learner mistake: d(h σ(h))/dh without its first term",
        [("nnbook/layers/swiglu.py", "silu_grad += s", "silu_grad += 0.0")],
        ["20_the_modern_block.ipynb"], ["tests/test_layers_swiglu.py"]),
    bug("adamw-decays-updated-weights", ["20"],
        "AdamW applies the decay after Adam's step, to the already-updated weights.",
        "Stanford CS336 assignment 1 (AdamW decaying the updated weights)",
        [(OPT + "adamw.py", "        if self.weight_decay:\n            p *= 1.0 - self.lr * self.weight_decay   # w ← w − lr·λ·w\n"
               "        self._update_all(((p, g, st),))",
               "        self._update_all(((p, g, st),))\n        if self.weight_decay:\n"
               "            p *= 1.0 - self.lr * self.weight_decay")],
        ["20_the_modern_block.ipynb"], ["tests/test_optimizers_adamw.py"]),
    bug("temperature-multiplies", ["21"],
        "Temperature multiplies the logits instead of dividing them: T < 1 flattens.",
        "learner mistake: softmax(z·T) for softmax(z/T)",
        [("nnbook/inference/sampling.py", "return softmax(z / temperature)", "return softmax(z * temperature)")],
        # notebook 21, the decoding rules' check on p made by hand: τ = 0.5 is p²
        # renormalised (multiplying by τ gives √p renormalised)
        ["21_inference.ipynb"], ["tests/test_inference_sampling.py"], conclusion=True),
    bug("top-p-drops-crossing-token", ["21"],
        "top-p keeps tokens while the mass including them is below p, dropping the one that crosses p.",
        "an off-by-one of nucleus sampling (Holtzman et al. 2020)",
        [("nnbook/inference/sampling.py", "before = np.cumsum(sorted_q, axis=-1) - sorted_q",
          "before = np.cumsum(sorted_q, axis=-1)")],
        # notebook 21, the decoding rules' check on p made by hand: top-p = 0.7 keeps
        # a, b, c (0.40 + 0.25 < 0.7 ≤ 0.80); the bug drops c, which crosses 0.7
        ["21_inference.ipynb"], ["tests/test_inference_sampling.py"]),
    bug("kv-chunk-masked-from-zero", ["21", "23"],
        "A chunk of several new positions is masked against the KV cache as if it started "
        "at position 0, so it cannot read the positions cached before it.",
        "issue 66 (a planted bug chapter 21 passed and only chapter 23 caught): the causal "
        "mask of chunked prefill without its offset L − t",
        [("nnbook/layers/attention/dot_product.py",
          "np.tri(t, L, L - t, dtype=bool)",
          "np.tri(t, L, 0, dtype=bool)")],
        # notebook 21, section 3's check: the 12 positions read in chunks of 5, 4, 3 give
        # the whole text's logits
        ["21_inference.ipynb"], ["tests/test_layers_kv_cache.py"]),
    bug("speculative-residual-swapped", ["23"],
        "Speculative decoding resamples from max(0, q − p) instead of max(0, p − q).",
        "Leviathan et al. 2023 / Chen et al. 2023: the residual distribution; its sign",
        [("nnbook/inference/speculative.py", "    r = np.maximum(p - q, 0.0)\n    total = r.sum()",
          "    r = np.maximum(q - p, 0.0)\n    total = r.sum()")],
        # notebook 23, section 5's check on a pair made by hand: accept_or_resample's
        # outcome for each proposal (the refused d resamples a, not d), so q's
        # proposals come out as p
        ["23_serving.ipynb"], ["tests/test_inference_speculative.py"], conclusion=True),
    bug("dpo-gradient-sign", ["22"],
        "DPO's gradient pushes the chosen answer down and the rejected one up.",
        "a DPO loss with the wrong sign (Rafailov et al. 2023, eq. 7)",
        [("nnbook/training/posttraining.py", "d_logp = np.concatenate([beta * dh, -beta * dh])",
          "d_logp = np.concatenate([-beta * dh, beta * dh])")],
        # notebook 22, the DPO loss's check: `dpo_error < 1e-6` (nb.dpo_loss's gradient
        # against central differences of its loss)
        ["22_post_training.ipynb"], ["tests/test_training_posttraining.py"], conclusion=True),
    bug("advantage-no-baseline", ["22"],
        "Group advantages leave out the group mean: the raw reward (over its spread) is the advantage.",
        "REINFORCE without a baseline where GRPO subtracts the group's mean",
        [("nnbook/training/posttraining.py", "adv = groups - groups.mean(axis=1, keepdims=True)",
          "adv = groups.copy()")],
        # notebook 22, the baseline's check: the sampled group-mean estimator's average
        # (fails first), and each group's advantages sum to 0
        ["22_post_training.ipynb"], ["tests/test_training_posttraining.py"], conclusion=True),
    bug("kl-wrong-direction", ["22"],
        "sequence_kl computes KL(π_ref ‖ π) instead of KL(π ‖ π_ref).",
        "learner mistake: the KL's arguments swapped",
        [("nnbook/training/posttraining.py", "(np.exp(lp) * (lp - lq))", "(np.exp(lq) * (lq - lp))")],
        # notebook 22, after RL: nb.sequence_kl against Σ π log(π/π_ref) by hand
        ["22_post_training.ipynb"], ["tests/test_training_posttraining.py"]),
    bug("reward-for-empty-answer", ["22"],
        "The verifier rewards an empty answer (accepted when there is nothing to parse).",
        "huggingface/cookbook #335 (a reward of 1 whenever the reference fails to parse)",
        [("nnbook/data/subject_task.py", "        if not answer:\n            return \"no sentence\"",
          "        if not answer:\n            return \"accepted\"")],
        # notebook 22, the verifier's check: the empty example's verdict (fails first),
        # and `task.verify(prompt, "")` is False for every subject
        ["22_post_training.ipynb"], ["tests/test_data_subject_task.py"], conclusion=True),
    bug("sft-first-answer-token-unmasked", ["22"],
        "SFT's answer mask starts one position late: the first answer token is never trained "
        "(in the library's answer_arrays and in the notebook's copy of it).",
        "OpenRLHF #973 (the first answer token left out of the fine-tuning loss)",
        [("nnbook/experiments/sft_rl_dpo.py", "M[i, len(p) - 1: len(ids) - 1] = 1",
          "M[i, len(p): len(ids) - 1] = 1"),
         (NB + "22_post_training.ipynb", "M[i, len(p) - 1: len(ids) - 1] = 1",
          "M[i, len(p): len(ids) - 1] = 1")],
        # notebook 22, the SFT loss's check: the targets under the mask decode to each answer
        ["22_post_training.ipynb"], ["tests/test_experiments_sft_rl_dpo.py"]),

    # Part V — chapters 23–26 ------------------------------------------------------------
    bug("left-pad-pads-right", ["23"],
        "Batching pads prompts on the right while reporting left padding.",
        "learner mistake: right padding for a decoder that generates after the last position",
        [("nnbook/inference/batching.py", "ids[i, T0 - len(row):] = row", "ids[i, :len(row)] = row")],
        # notebook 23, section 2's check of left_pad: row r is its prompt after pad[r]
        # padding ids
        ["23_serving.ipynb"], ["tests/test_inference_batching.py"]),
    bug("int8-scale-128", ["24"],
        "int8 quantisation divides max|w| by 128 instead of 127, so +max maps to 128 (outside int8).",
        "learner mistake: 2^(bits−1) where 2^(bits−1) − 1 belongs",
        [("nnbook/precision/quantise.py", "q = 2 ** (bits - 1) - 1", "q = 2 ** (bits - 1)")],
        # notebook 24, the quantiser's check: every weight within half its scale (+max
        # comes back as −128·scale), then each channel's top code ±127
        ["24_fewer_bits.ipynb"], ["tests/test_precision_quantise.py"]),
    bug("int4-nibbles-swapped", ["24"],
        "Loading an int4 model reads each byte's two codes in the wrong order (high nibble "
        "first), while saving packs the low nibble first.",
        "issue 66 (a planted bug no notebook ran: only the int8 model was reloaded); packer "
        "and unpacker of two 4-bit codes a byte disagreeing on the order",
        [("nnbook/precision/quantise.py", "u[0::2], u[1::2] = packed & 0x0F, packed >> 4",
          "u[0::2], u[1::2] = packed >> 4, packed & 0x0F")],
        # notebook 24, section 4's check: the int4 models loaded back have the saved codes
        ["24_fewer_bits.ipynb"], ["tests/test_precision_quantise.py"]),
    bug("reparameterise-with-variance", ["25"],
        "The reparameterisation multiplies ε by σ² = e^(log σ²) instead of σ = e^(½ log σ²).",
        "learner mistake: the variance where the standard deviation belongs (Kingma & Welling 2014)",
        [("nnbook/generative/gaussian.py", "return mu + np.exp(0.5 * logvar) * eps",
          "return mu + np.exp(logvar) * eps")],
        # notebook 25, section 2: the Monte Carlo ELBO (vae.elbo draws z through it)
        # against the closed form (fails first), and the reparameterised samples'
        # variance / σ² within 5 standard errors of 1
        ["25_latent_variables.ipynb"], ["tests/test_generative_gaussian.py"]),
    bug("vae-kl-logvar-sign", ["25"],
        "The Gaussian KL adds log σ² instead of subtracting it.",
        "exercise 25's kl(mu, logvar) named mistakes (a sign of the closed form)",
        [("nnbook/generative/gaussian.py", "np.exp(logvar) - 1.0 - logvar, axis=1)",
          "np.exp(logvar) - 1.0 + logvar, axis=1)")],
        # notebook 25, section 2: log p − ELBO = KL(q ‖ posterior) on the linear VAE
        # (its ELBO uses G.gaussian_kl; fails first), and G.gaussian_kl within 5
        # standard errors of the Monte Carlo E_q[log q(z) − log p(z)]
        ["25_latent_variables.ipynb"], ["tests/test_generative_gaussian.py"],
        conclusion=True),
    bug("ddpm-posterior-variance-inverted", ["26"],
        "DDPM's posterior variance uses β(1 − ᾱ_t)/(1 − ᾱ_s), the fraction upside down.",
        "issue 54: DDPM's posterior variance caught only against a stored seed table; "
        "eje24/iap-diffusion-labs #6 (a variance off)",
        [("nnbook/generative/samplers.py", "math.sqrt(beta * (1.0 - ab_s) / (1.0 - ab_t))",
          "math.sqrt(beta * (1.0 - ab_t) / (1.0 - ab_s))")],
        # notebook 26, section 4: one DDPM step adds exactly √β̃ · z
        ["26_diffusion.ipynb"],
        ["tests/test_generative_samplers_posterior.py", "tests/test_generative_samplers.py"],
        conclusion=True),
    bug("ddpm-mean-no-sqrt", ["26"],
        "DDPM's mean subtracts β/(1 − ᾱ_t)·ε̂ instead of β/√(1 − ᾱ_t)·ε̂.",
        "Ho et al. 2020, Algorithm 2: the √ dropped",
        [("nnbook/generative/samplers.py", "x = x - beta / math.sqrt(1.0 - ab_t) * eps",
          "x = x - beta / (1.0 - ab_t) * eps")],
        # notebook 26, section 4: one DDPM step's mean against μ̃ written out
        ["26_diffusion.ipynb"], ["tests/test_generative_samplers.py"]),
    bug("ddim-noise-at-wrong-time", ["26"],
        "DDIM's step re-noises x̂₀ with √(1 − ᾱ_t) of the current time instead of the next.",
        "learner mistake: t for s in DDIM's update (Song et al. 2021, eq. 12)",
        [("nnbook/generative/samplers.py", "math.sqrt(ab_s) * x0 + math.sqrt(1.0 - ab_s) * eps",
          "math.sqrt(ab_s) * x0 + math.sqrt(1.0 - ab_t) * eps")],
        # notebook 26, section 8: one DDIM step against the step written out
        ["26_diffusion.ipynb"], ["tests/test_generative_samplers.py"]),
    bug("linear-schedule-no-half", ["26"],
        "The linear schedule's ᾱ(t) drops the ½ of ∫β: e^(−β_min t − (β_max − β_min) t²).",
        "MIT 6.S184 labs: σ²/θ where σ²/(2θ) belongs (eje24/iap-diffusion-labs PR #7)",
        [("nnbook/generative/noise.py", "- 0.5 * (self.beta_max - self.beta_min) * t * t",
          "- (self.beta_max - self.beta_min) * t * t")],
        # notebook 26, the chain's check: −log ᾱ(t) equals ∫₀ᵗ β (trapezoid rule)
        ["26_diffusion.ipynb"], ["tests/test_generative_noise.py"]),
    bug("guidance-uncond-gets-the-class", ["27"],
        "Classifier-free guidance calls the conditional function for the unconditional pass "
        "too, so every w returns the conditional model.",
        "issue 53: the null-class pass is the one that is easy to lose (a learner mistake: "
        "both passes fed the label)",
        [("nnbook/generative/guidance.py",
          "return lambda x, t: guide(uncond(x, t), cond(x, t), w)",
          "return lambda x, t: guide(cond(x, t), cond(x, t), w)")],
        # notebook 27: section 1's tilted score at t = 0, section 2's closed forms against
        # the samplers, section 4's w = 0 is the null-class model bit for bit
        ["27_guidance.ipynb"],
        ["tests/test_generative_conditional.py", "tests/test_generative_guidance.py"],
        conclusion=True),
    bug("masked-bound-wrong-weights", ["28"],
        "mask_batch gives each masked character the weight 1 instead of T/k, so the "
        "masked-diffusion loss is a plain masked cross-entropy, no longer a bound on "
        "−log p(x).",
        "the unweighted masked-token loss of BERT-style training, which the masked-diffusion "
        "papers' 1/t (T/k) weight replaces (Sahoo et al. 2024; Shi et al. 2024); exercise "
        "28.1's named mistake 'unweighted'",
        [("nnbook/generative/masked.py",
          "weights = np.where(mask, T / ks[:, None], 0.0)",
          "weights = np.where(mask, 1.0, 0.0)")],
        # notebook 28: section 2's any-order identity over every mask with mask_batch's
        # weights (1e-12), and the Monte-Carlo mean of its draws with the oracle
        ["28_diffusion_language_model.ipynb"], ["tests/test_generative_masked.py"],
        conclusion=True),
    bug("grpo-std-wrong-ddof", ["29"],
        "GRPO's Bessel std computed with ddof 0, the population's: every advantage of the "
        "'std Bessel' kind √(G/(G − 1)) too large.",
        "issue 69: two std conventions (population and Bessel) that change every advantage "
        "by √(G/(G−1)), √(8/7) at G = 8, and libraries that disagree on which they use",
        [("nnbook/evaluation/grpo.py", 'ddof = 0 if kind == "std population" else 1',
          "ddof = 0")],
        # notebook 29, section 2: population / Bessel = √(G/(G − 1)) for one group
        ["29_reasoning_with_a_verifier.ipynb"], ["tests/test_evaluation_grpo.py"]),
    bug("ppo-clip-advantage-sign", ["29"],
        "PPO's clip picks its case by the wrong sign of the advantage: a negative advantage is "
        "clipped at 1 + ε and a positive one at 1 − ε.",
        "issue 69: a write-up of PPO's clip that gets the negative-advantage case wrong",
        [("nnbook/evaluation/grpo.py", "positive = A >= 0", "positive = A <= 0")],
        # notebook 29, section 7: the library against min(ρA, clip(ρ)A) by hand
        ["29_reasoning_with_a_verifier.ipynb"], ["tests/test_evaluation_grpo.py"],
        conclusion=True),
    bug("pass-at-k-as-c-over-n", ["29"],
        "pass@k computed as c/n for every k: right at k = 1 only.",
        "issue 69; exercise 29.2's named mistake 'pass@1 only' (the share correct reported "
        "as pass@k)",
        [("nnbook/evaluation/pass_at_k.py",
          "out = np.array([1.0 if n - int(c) < k else 1.0 - _none_correct(n, int(c), k)",
          "out = np.array([int(c) / n if n - int(c) < k else int(c) / n")],
        # notebook 29, section 8: pass@k against every subset of 7 outcomes, k = 2 first
        ["29_reasoning_with_a_verifier.ipynb"], ["tests/test_evaluation_pass_at_k.py"],
        conclusion=True),
# Part VI — chapter 31 -------------------------------------------------------------
    bug("delta-rule-no-correction", ["31"],
        "DeltaNet writes β_t v_t k_tᵀ, the correction − S_{t−1} k_t dropped: linear "
        "attention's Hebbian write with a β, no longer a step of the delta rule.",
        "the delta rule without its error term (Hebbian learning, Widrow and Hoff's point); "
        "DeltaNet (Schlag et al. 2021; Yang et al. 2024) contrasts the two",
        [("nnbook/layers/attention/delta.py",
          "u = v[:, :, t] - (S @ k_t[..., None])[..., 0]",
          "u = v[:, :, t] + 0 * (S @ k_t[..., None])[..., 0]")],
        # notebook 31: section 2's layer state against the delta rule written by hand
        ["31_beyond_attention.ipynb"], ["tests/test_layers_delta.py"], conclusion=True),
    bug("chunk-state-misses-last-position", ["31"],
        "DeltaNet's chunked (WY) form writes the state passed to the next chunk without "
        "the chunk's last position: a chunk boundary off by one.",
        "an off-by-one at a chunk boundary, the classic mistake of a blocked scan",
        [("nnbook/kernels/linear_attention.py",
          "        S = S + E.swapaxes(-1, -2) @ K\n",
          "        S = S + E[..., :-1, :].swapaxes(-1, -2) @ K[..., :-1, :]\n")],
        # notebook 31: section 4's chunked form against the recurrence
        ["31_beyond_attention.ipynb"], ["tests/test_kernels_linear_attention.py"]),
    # Part VI — chapter 32 --------------------------------------------------------------
    bug("scaling-fit-floor-at-zero", ["32"],
        "The scaling-law fit drops its irreducible term: L = A/N^α + B/D^β with E held at 0, "
        "as if enough parameters and data brought the loss to zero.",
        "the two-term power law L(N) = (N_c/N)^α of early scaling-law fits, which has no "
        "floor; Hoffmann et al. 2022 (Chinchilla) add E, the entropy of natural text",
        [("nnbook/evaluation/scaling_law.py",
          "    N, D, L = _check(N, D, L, _one_variable)\n",
          "    N, D, L = _check(N, D, L, _one_variable)\n    fix_E = 0.0\n")],
        # notebook 32, section 3: the fitted E within 2 of its standard errors of the exact
        # window floor (E = 0 with SE 0 is infinitely far)
        ["32_scaling_laws.ipynb"], ["tests/test_evaluation_scaling_law.py"],
        conclusion=True),
    # Part VI — chapters 29–32 -----------------------------------------------------------
    bug("judge-threshold-flipped", ["30"],
        "The judge's threshold is applied the wrong way: an answer counts as accepted when "
        "its probability is below 0.5, so the confusion matrix swaps the judge's verdicts.",
        "a classifier's decision rule inverted (score < threshold), a learner's mistake when "
        "a score is read as a distance; the brief of issue 69",
        [("nnbook/experiments/judges.py",
          "said = (judge_scores(judge, prompts, answers) > threshold).astype(int)",
          "said = (judge_scores(judge, prompts, answers) < threshold).astype(int)")],
        # notebook 30, section 4: `assert tpr > fpr + 0.2 and cm[0, 1] > 0` (the judge
        # accepts the grammar's accepted answers more often than its rejected ones)
        ["30_judges_and_test_time_compute.ipynb"], ["tests/test_experiments_judges.py"]),
    # Part VII — chapters 33 and 34 ------------------------------------------------------
    bug("moe-weights-not-renormalised", ["33"],
        "The top-k router weights each chosen expert by its raw softmax probability, not "
        "renormalised over the chosen: with k < E the weights sum to less than 1.",
        "top-k gating with and without renormalisation (Shazeer et al. 2017 keep the raw "
        "gates; Mixtral and DeepSeek renormalise): a port that mixes the two conventions; "
        "the brief of issue 79",
        [("nnbook/layers/experts.py",
          "        w = p_chosen / Z                                        # (N, k), rows sum to 1",
          "        w = p_chosen                                            # (N, k), rows sum to 1")],
        # notebook 33, section 1: the layer equals moe_by_hand's renormalised sum to 1e-12
        ["33_mixture_of_experts.ipynb"], ["tests/test_layers_experts.py"]),
    bug("moe-balance-f-and-p-swapped", ["33"],
        "Switch's balancing loss E·Σ f_e P_e sends its gradient through f (the share of "
        "choices, piecewise constant) in place of P (the mean router probability).",
        "Switch Transformer (Fedus et al. 2021): only P is differentiable, f counts the "
        "argmax; a learner's swap of the two factors; the brief of issue 79",
        [("nnbook/layers/experts.py",
          "            dP += self.aux_weight * self.n_experts * f / len(X)",
          "            dP += self.aux_weight * self.n_experts * P.mean(axis=0) / len(X)")],
        # notebook 33, section 3: the loss's gradient against finite differences
        ["33_mixture_of_experts.ipynb"], ["tests/test_layers_experts.py"]),
    bug("newton-schulz-not-normalised", ["34"],
        "Newton–Schulz starts from G itself instead of G/‖G‖_F: singular values above the "
        "polynomial's basin blow up.",
        "Muon's iteration needs every singular value in (0, 1] (Keller Jordan's reference "
        "divides by the norm first); the brief of issue 79",
        [("nnbook/optimizers/polar.py", "    X = X / max(norm, eps)\n", "    X = X + 0 * norm\n")],
        # notebook 34, section 2: the library against the by-hand iteration, and the cubic's
        # convergence to U Vᵀ to 1e-12
        ["34_muon.ipynb"], ["tests/test_optimizers_polar.py"], conclusion=True),
    bug("muon-shape-scale-inverted", ["34"],
        "Muon's shape scale is √max(1, fan_in/fan_out) instead of √max(1, fan_out/fan_in): "
        "with W stored (fan_in, fan_out), the transpose of PyTorch's (out, in), the ratio is "
        "read the wrong way round.",
        "PyTorch and Keras store a dense weight transposed against each other; a port of "
        "Muon's max(1, rows/cols) without the transpose; the brief of issue 79",
        [("nnbook/optimizers/polar.py",
          "math.sqrt(max(1.0, n_out / n_in))", "math.sqrt(max(1.0, n_in / n_out))")],
        # notebook 34, section 4: nb.Muon against the step by hand, and the first step's
        # RMS→RMS gain against ‖NS₅(g)‖₂ · √(85/32)
        ["34_muon.ipynb"], ["tests/test_optimizers_muon.py"]),
    # Part VII — chapter 35 -------------------------------------------------------------
    bug("soft-distillation-tau-not-squared", ["35"],
        "The soft distillation loss keeps τ² in its value but not in its gradient's scale: "
        "the gradient is (p_s − p_t)/(τ n) instead of τ (p_s − p_t)/n, so it shrinks as 1/τ² "
        "and a soft loss mixed with a hard one fades out as the temperature grows.",
        "Hinton et al. (2015) multiply the soft targets' gradient by τ²; a port that divides "
        "the logits by τ and differentiates by hand forgets it (the 1/τ of the chain rule "
        "left alone); the brief of issue 80 and exercise 35.1",
        [("nnbook/training/distillation.py",
          "    g *= tau / n                                               # τ² · (1/τ) from z_s/τ",
          "    g *= 1 / (tau * n)                                         # τ² · (1/τ) from z_s/τ")],
        # notebook 35, section 1: the gradient against the closed form τ (p_s − p_t)/n and
        # against central differences of the loss's value
        ["35_distillation.ipynb"], ["tests/test_training_distillation.py"]),
    bug("distillation-kl-arguments-swapped", ["35"],
        "The student's distance to the truth is computed as KL(s ‖ p) in place of KL(p ‖ s): "
        "the arguments of the KL swapped, infinite wherever the student gives mass to a "
        "character the grammar forbids.",
        "KL's argument order (scipy.stats.entropy(pk, qk) against torch.nn.functional.kl_div"
        "(input=log q, target=p)) is a classic source of swapped KLs; the brief of issue 80",
        [("nnbook/evaluation/distillation.py",
          "float(_kl_bits(p, s).mean())", "float(_kl_bits(s, p).mean())")],
        # notebook 35, section 2: the stored row's KL(p ‖ s) columns, then the identity
        # KL(p ‖ s) − KL(p ‖ t) = E_p[log t − log s] on the stored positions
        ["35_distillation.ipynb"], ["tests/test_evaluation_distillation.py"], conclusion=True),
    bug("walked-mass-skips-first-character", ["35"],
        "The exact accepted mass walked over prefixes starts each answer's product at its "
        "second character: the first character's probability, read at the prompt's last "
        "position, is left out, so every answer looks likelier than it is.",
        "an off-by-one between a sequence's positions and the tokens they predict (the "
        "prompt's last position predicts the answer's first token), the slip of hand-"
        "written sequence log-probabilities; the brief of chapter 35's part 4",
        [("nnbook/experiments/sft_from_rl.py",
          "c[t]] for t in range(len(a))])", "c[t]] for t in range(1, len(a))])")],
        # notebook 35, section 5: the walked mass against teacher forcing on the small
        # model, relative gap below 1e-9
        ["35_distillation.ipynb"], ["tests/test_experiments_sft_from_rl.py"]),

    # Part VII — chapter 36 ------------------------------------------------------------------
    bug("sae-decoder-not-renormalised", ["36"],
        "The SAE's decoder rows are put at unit norm before training but not after each "
        "step: the L1 penalty is then dodged by shrinking the code and growing the decoder.",
        "Bricken et al. 2023 and Gao et al. 2024 renormalise the dictionary after every "
        "step; a port that normalises at the start only; the brief of issue 80",
        [("nnbook/interpret/sae.py",
          "    def on_batch_end(self, batch, logs=None):\n        self.normalise()",
          "    def on_batch_end(self, batch, logs=None):\n        pass")],
        # notebook 36, section 5: every decoder row's norm is 1 to 1e-9 after training
        ["36_what_a_network_knows.ipynb"], ["tests/test_interpret_sae.py"]),
    bug("patch-at-wrong-position", ["36"],
        "patched writes the values one position early (positions counted from 1), so the "
        "patch lands before the position asked for.",
        "an off-by-one between a token's index and its position in the sequence, the "
        "classic slip of hand-written activation patching; the brief of issue 80",
        [("nnbook/interpret/patching.py",
          "    h[np.arange(m)[:, None], p] = v.reshape",
          "    h[np.arange(m)[:, None], p - 1] = v.reshape")],
        # notebook 36, section 3: a patch at 9 leaves positions 0…8 unchanged, bit for bit
        # (and section 6's four patches known in advance)
        ["36_what_a_network_knows.ipynb"], ["tests/test_interpret_patching.py"]),
    bug("patch-kl-swapped", ["36"],
        "The patching KL is computed as KL(model ‖ exact) instead of KL(exact ‖ model): where "
        "the grammar gives a character probability 0 the model's mass there counts without "
        "bound, and every patch's KL is infinite.",
        "KL's arguments in the wrong order, the commonest slip with a divergence that is not "
        "symmetric; the brief of issue 80 (the thirteenth cold reading of 36 found it passed "
        "the notebook off main's kernels, where agrees took its margin from the infinite "
        "value)",
        [("nnbook/experiments/probing.py", "def _kl(p, q):\n", "def _kl(q, p):\n")],
        # notebook 36, section 6: the patch row agrees with the stored one (finite, and to
        # 1e-6 on main's kernels or inside the seeds' spread on others)
        ["36_what_a_network_knows.ipynb"], ["tests/test_experiments_probing.py"]),
    bug("steering-sign-flipped", ["36"],
        "steered subtracts the steering vector from the layer's output instead of adding "
        "it, so every α steers the other way.",
        "a sign slip between 'add the direction' and 'ablate it' (h − (h·u)u), common in "
        "hand-written activation addition; the brief of issue 80",
        [("nnbook/interpret/steering.py", "        return out + d", "        return out - d")],
        # notebook 36, section 8: steering by d is patching every position of block 1
        # with h + d, bit for bit
        ["36_what_a_network_knows.ipynb"], ["tests/test_interpret_steering.py"]),

    # Part VII — chapter 37 ----------------------------------------------------------------
    bug("arena-budget-forward-only", ["37"],
        "The arena's budget charges a training step only its forward pass: the backward's "
        "two products per forward product go uncounted, and a recipe trains three times as "
        "long as its budget says.",
        "FLOP counts that count the forward only (6N per token for training against 2N "
        "for inference, Kaplan et al. 2020, is the correction); the brief of issue 81",
        [("nnbook/arena/budget.py", "BACKWARD_FACTOR = 2\n", "BACKWARD_FACTOR = 0\n")],
        # notebook 37, section 1: one step on 8 windows spends 3 × the hand count
        ["37_a_research_arena.ipynb"], ["tests/test_arena_budget.py"], conclusion=True),
    bug("arena-score-against-the-entropy", ["37"],
        "The arena scores a model against the grammar's entropy per character (its loss "
        "given the whole past) instead of the window bound: no 16-character model can reach "
        "0, and the score mixes what the model failed to learn with what its window cannot "
        "see.",
        "a floor that is not the model class's (autoresearch scores raw validation bits per "
        "byte, with no floor at all); the brief of issue 81",
        [("nnbook/arena/harness.py", 'bound = float(ev["bound"].mean())',
          'bound = float(ev["entropy"].mean())')],
        # notebook 37, section 2: the uniform guess scores log₂ 26 − the parser's window bound
        ["37_a_research_arena.ipynb"], ["tests/test_arena_harness.py"], conclusion=True),
    bug("arena-evaluation-text-reused", ["37"],
        "The arena draws the same evaluation text for every seed: a recipe can tune to (or "
        "memorise) the one text every score is measured on.",
        "a fixed validation split reused across many submissions (leaderboard overfitting, "
        "Dwork et al. 2015); the brief of issue 81",
        [("nnbook/arena/text.py",
          "words = [_EVAL, seed] if entropy is None else [_EVAL, seed, entropy]",
          "words = [_EVAL, 0]")],
        # notebook 37, section 2: the evaluation texts of two seeds differ
        ["37_a_research_arena.ipynb"], ["tests/test_arena_text.py"]),
]
