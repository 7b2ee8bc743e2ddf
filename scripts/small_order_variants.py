#!/usr/bin/env python3
"""Writes Vectors/small-order-base-keys.json: Curve25519 public keys and their small-order variants,
in the Wycheproof shape `crosswire vectors verify` reads (group type X25519BaseKey).

For each private scalar k (clamped as X25519 does), the public key is u([k]B). Adding a point T of order
2, 4 or 8 gives a different u that X25519 cannot tell apart from the original when the other side's
scalar is clamped (a multiple of 8 kills T). Crosswire must refuse such variants as base keys (SPEC.md
§5.6), or a replayed first message would build a second session. The arithmetic is plain Python
integers on edwards25519 (RFC 7748 / RFC 8032 constants), independent of Crosswire and its providers.
Usage: python3 scripts/small_order_variants.py > Vectors/small-order-base-keys.json
"""
import hashlib
import json

P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def inv(x):
    return pow(x, P - 2, P)


def add(p1, p2):
    (x1, y1), (x2, y2) = p1, p2
    t = D * x1 * x2 * y1 * y2 % P
    return ((x1 * y2 + x2 * y1) * inv(1 + t) % P, (y1 * y2 + x1 * x2) * inv(1 - t) % P)


def mul(k, point):
    result, addend = (0, 1), point
    while k:
        if k & 1:
            result = add(result, addend)
        addend = add(addend, addend)
        k >>= 1
    return result


def recover_x(y):
    """An x with (x, y) on the curve, or None."""
    xx = (y * y - 1) * inv(D * y * y + 1) % P
    x = pow(xx, (P + 3) // 8, P)
    if (x * x - xx) % P:
        x = x * SQRT_M1 % P
    return x if (x * x - xx) % P == 0 else None


BASE = (recover_x(4 * inv(5) % P), 4 * inv(5) % P)
if BASE[0] & 1:
    BASE = (P - BASE[0], BASE[1])
IDENTITY = (0, 1)


def order8_point():
    y = 2
    while True:
        x = recover_x(y)
        if x is not None:
            t = mul(L, (x, y))
            if mul(4, t) != IDENTITY:
                return t
        y += 1


def montgomery_u(point):
    _, y = point
    return (1 + y) * inv(1 - y) % P


def order(point):
    for n in (1, 2, 4, 8):
        if mul(n, point) == IDENTITY:
            return n
    raise ValueError("not a small-order point")


def le(value):
    return value.to_bytes(32, "little").hex()


def clamp(raw):
    k = bytearray(raw)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    return int.from_bytes(bytes(k), "little")


def main():
    torsion = order8_point()
    tests = []
    for label in ("crosswire small-order base key 1", "crosswire small-order base key 2"):
        raw = hashlib.sha256(label.encode()).digest()
        a = mul(clamp(raw), BASE)
        base_u = le(montgomery_u(a))
        base_id = len(tests) + 1
        tests.append({"tcId": base_id, "comment": "a public key in the prime-order subgroup",
                      "private": raw.hex(), "public": base_u, "result": "valid", "flags": []})
        for i in range(1, 8):
            t = mul(i, torsion)
            tests.append({"tcId": len(tests) + 1, "comment": "the key of tcId %d plus a point of order %d" % (base_id, order(t)),
                          "public": le(montgomery_u(add(a, t))), "equivalentTo": base_u, "torsionOrder": order(t),
                          "result": "invalid", "flags": ["SmallOrderComponent"]})
    json.dump({
        "algorithm": "X25519 base keys",
        "header": ["Curve25519 public keys and each small-order variant u(P + T), T of order 2, 4 or 8, written by "
                   "scripts/small_order_variants.py (plain Python integers on edwards25519). X25519 with any clamped "
                   "scalar gives the same result for a key and each of its variants; a base key must be in the "
                   "prime-order subgroup (valid) or is refused (invalid), so a replayed first message cannot "
                   "re-encode its base key (SPEC.md 5.6)."],
        "numberOfTests": len(tests),
        "testGroups": [{"type": "X25519BaseKey", "tests": tests}],
    }, __import__("sys").stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
