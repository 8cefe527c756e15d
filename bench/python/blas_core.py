"""Which BLAS kernel this PyTorch process runs, for the baselines' first line.

OpenBLAS 0.3.21 falls back to a generic kernel ("Prescott") on CPUs it does not know; a fair
comparison sets OPENBLAS_CORETYPE (SkylakeX on AVX-512, Haswell on AVX2) for the peer's command
only. describe() names the library torch loaded and the kernel it reports.
"""
import ctypes
import os


def describe():
    import torch

    x = torch.ones(8, 8)
    (x @ x).sum()  # make sure the BLAS is loaded
    with open("/proc/self/maps") as maps:
        libs = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line})
    for path in libs:
        try:
            f = ctypes.CDLL(path).openblas_get_corename
        except (OSError, AttributeError):
            continue
        f.restype = ctypes.c_char_p
        core = f().decode()
        forced = os.environ.get("OPENBLAS_CORETYPE")
        hint = ""
        if core.lower() == "prescott":
            hint = " (a generic kernel: set OPENBLAS_CORETYPE=SkylakeX on AVX-512 or Haswell on AVX2 for its best)"
        return f"BLAS: {os.path.basename(path)}, kernel {core}" + (f" (OPENBLAS_CORETYPE={forced})" if forced else "") + hint
    return "BLAS: no OpenBLAS loaded (torch uses its own or another BLAS)"
