"""The machine a benchmark ran on: the CPU, NumPy's SIMD target and BLAS, PyTorch's (from a
child process). run_all.py writes it above every table and names results.md's section by it;
breakdown.py prints it under its own table.
"""

from __future__ import annotations

import json
import os
import platform
import sys

import numpy as np


def cpu() -> dict:
    """The CPU's model, vendor and family ("AMD", "Intel", or the vendor) from /proc/cpuinfo."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())       # the first core's
    except OSError:
        pass
    model = fields.get("model name") or platform.processor() or platform.machine()
    vendor = fields.get("vendor_id", "")
    text = f"{vendor} {model}"
    family = "AMD" if "AMD" in text else "Intel" if "Intel" in text else vendor or model
    return {"model": model, "vendor": vendor, "family": family}


def numpy_side() -> dict:
    """NumPy's best SIMD target on this CPU and its BLAS with the core type it chose."""
    out = {"simd": "?", "blas": "?"}
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
        usable = [t for t in __cpu_dispatch__ if __cpu_features__.get(t)]
        out["simd"] = usable[-1] if usable else "baseline"
    except ImportError:
        pass
    try:
        import threadpoolctl
        info = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
        if info:
            out["blas"] = f"{info[0].get('internal_api')} {info[0].get('version') or ''}, " \
                          f"{info[0].get('architecture') or '?'} kernel"
    except ImportError:                  # without threadpoolctl: NumPy's own report
        try:
            blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
            words = blas.get("openblas configuration", "").split()
            core = next((w for w in words[2:] if w.isalpha() and w[:1].isupper()), "?")
            out["blas"] = f"{blas.get('name')} {blas.get('version', '')}, {core} kernel"
        except (KeyError, TypeError, AttributeError):
            pass
    return out


TORCH_INFO = (
    "import json, torch; c = torch.__config__.show();"
    "blas = [p.split('=')[1] for p in c.replace(',', ' ').split() if p.startswith('BLAS_INFO=')];"
    "print(json.dumps({'version': torch.__version__, 'simd': torch.backends.cpu.get_cpu_capability(),"
    "'blas': (blas or ['?'])[0]}))")


def torch_side() -> dict | None:
    """PyTorch's CPU capability (its SIMD level) and BLAS, from a child process."""
    import subprocess
    try:
        res = subprocess.run([sys.executable, "-c", TORCH_INFO], capture_output=True,
                             text=True, timeout=300)
        return json.loads(res.stdout) if res.returncode == 0 else None
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def section_name() -> str:
    """results.md's section for this machine: the CPU's vendor and the widest vectors NumPy
    dispatches to here ("AMD, AVX2", "Intel, AVX-512"): two EPYCs of different generations
    (AVX2 only, or AVX-512) get OpenBLAS kernels of different widths, so separate tables."""
    simd = numpy_side()["simd"]
    width = ("AVX-512" if simd.startswith(("AVX512", "X86_V4")) else
             "AVX2" if simd in ("AVX2", "FMA3", "X86_V3") else simd)
    return f"{cpu()['family']}, {width}"


def machine(info=None) -> str:
    """Where the run happened: CPU, cores, NumPy's SIMD and BLAS core type, PyTorch's."""
    c, n = cpu(), numpy_side()
    t = torch_side() if info is None else info
    torch_text = (f"; PyTorch {t['version']}: {t['simd']}, BLAS {t['blas']}" if t else "")
    return (f"{c['model']} ({c['vendor'] or c['family']}), {os.cpu_count()} cores, "
            f"{platform.system()}, Python {platform.python_version()}; NumPy {np.__version__}: "
            f"{n['simd']}, BLAS {n['blas']}{torch_text}")
