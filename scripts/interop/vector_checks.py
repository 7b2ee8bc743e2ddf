"""Helpers shared by the vector checkers (check_session_vectors.py, check_sender_key_vectors.py)."""
import sys


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


def pick_impl(impls, requested):
    """The requested implementation if importable, else the first importable one.
    `impls` maps a name to (module to import, ...)."""
    for name in [requested] if requested else list(impls):
        try:
            __import__(impls[name][0])
            return name
        except ImportError:
            pass
    sys.exit("%s: not importable; run with a .venv-peers/*/bin/python"
             % (impls[requested][0] if requested else " / ".join(entry[0] for entry in impls.values())))
