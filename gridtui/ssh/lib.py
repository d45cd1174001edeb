"""asyncssh, imported once and quietly: it names DSA types at import time, which
``cryptography`` warns about on every start (gridtui neither makes nor accepts DSA
keys)."""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*DSA.*", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*DSA.*")
    import asyncssh
    from asyncssh.public_key import read_public_key_list

__all__ = ["asyncssh", "read_public_key_list"]
