"""JSON-lines request loop shared by the interop adapters (the contract is documented in driver.py).

Runs under CPython 3.9 (libsignal venv) and 3.11 (axolotl venv): keep it plain.
"""
import json
import secrets
import sys


class Refused(Exception):
    """A request the adapter rejects on purpose; answered with ok:false like any other error."""


def unhex(value):
    return bytes.fromhex(value)


def group_name(req):
    """The local group name for the legacy sender-key layout: the 16-byte group id as lowercase hex."""
    value = req["group"]
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise Refused("group id is not hex: %r" % (value,))
    if len(raw) != 16:
        raise Refused("group id is %d bytes, expected 16" % len(raw))
    return raw.hex()


def legacy_format(req):
    """group_create's optional `format`: only the legacy layout (id/iteration) is spoken here."""
    if req.get("format", "legacy") != "legacy":
        raise Refused("unsupported sender key format %r (only \"legacy\")" % (req.get("format"),))


def fresh_id(used):
    """A random unused prekey id below 2^24 (legacy Java bound), so ids need multi-byte varints."""
    while True:
        candidate = secrets.randbelow(0xFFFFFE) + 1
        if candidate not in used:
            used.add(candidate)
            return candidate


def serve(handlers):
    """Answers one JSON object per input line until EOF or `shutdown`.

    handlers: op name -> function(request dict) -> dict of answer fields.
    Any exception becomes {"id", "ok": false, "error"} and the loop goes on.
    """
    out = sys.stdout
    sys.stdout = sys.stderr  # stray prints from libraries must not corrupt the protocol stream
    for line in sys.stdin:
        if not line.strip():
            continue
        rid = None
        try:
            request = json.loads(line)
            rid = request.get("id")
            op = request.get("op")
            if op == "shutdown":
                _reply(out, {"id": rid, "ok": True})
                return
            if op not in handlers:
                raise Refused("unknown op %r" % (op,))
            answer = {"id": rid, "ok": True}
            answer.update(handlers[op](request))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as error:  # pyo3 panics derive from BaseException
            answer = {"id": rid, "ok": False, "error": "%s: %s" % (type(error).__name__, error)}
        _reply(out, answer)


def _reply(out, answer):
    out.write(json.dumps(answer, separators=(",", ":")) + "\n")
    out.flush()
