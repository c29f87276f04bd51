"""Python's msgpack, as kombu calls it, answering for the TypeScript tests.

Reads a JSON request on stdin and writes a JSON answer on stdout:
  unpack    {"hex": [...]}        -> [{"value": <typed>, "repacked": hex | null} | {"error": str}]
  generate  {"seed": n, "count": n} -> [{"hex": str, "value": <typed>}]

<typed> spells out Python's types, which JSON alone would blur: None/bool as is, {"int": "123"},
{"float": "<8 bytes, big-endian hex>"}, {"str": s}, {"bytes": hex}, lists, {"dict": [[k, v], ...]},
{"other": repr} for anything else (ExtType, Timestamp).
"""
import json
import random
import struct
import sys

import msgpack

sys.setrecursionlimit(20000)


def pack(value):
    return msgpack.packb(value, use_bin_type=True)  # kombu/serialization.py


def unpack(data):
    return msgpack.unpackb(data, raw=False)


def typed(v):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"float": struct.pack(">d", v).hex()}
    if isinstance(v, str):
        return {"str": v}
    if isinstance(v, bytes):
        return {"bytes": v.hex()}
    if isinstance(v, list):
        return [typed(x) for x in v]
    if isinstance(v, dict):
        return {"dict": [[typed(k), typed(x)] for k, x in v.items()]}
    return {"other": repr(v)}


def answer_unpack(request):
    out = []
    for text in request["hex"]:
        try:
            value = unpack(bytes.fromhex(text))
        except Exception as exc:  # noqa: BLE001 - every refusal is an answer here
            out.append({"error": f"{type(exc).__name__}: {exc}"})
            continue
        try:
            repacked = pack(value).hex()
        except Exception:  # noqa: BLE001 - e.g. deeper than packb's recursion limit
            repacked = None
        out.append({"value": typed(value), "repacked": repacked})
    return out


def random_text(rng, size):
    chars = []
    for _ in range(size):
        pick = rng.random()
        if pick < 0.6:
            chars.append(chr(rng.randrange(0x20, 0x7F)))
        elif pick < 0.9:
            chars.append(chr(rng.randrange(0x80, 0xD800)))
        else:
            chars.append(chr(rng.randrange(0x10000, 0x110000)))
    return "".join(chars)


def random_key(rng):
    key = random_text(rng, rng.randrange(0, 12))
    # JS objects list integer-like keys first; keep insertion order meaningful for the byte check.
    return key + "k" if key.isdigit() else key


def random_float(rng):
    pick = rng.random()
    if pick < 0.1:
        return rng.choice([float("nan"), float("inf"), float("-inf"), 5e-324, 1e-300, 0.1, -2.5])
    x = rng.uniform(-1e6, 1e6) * 10 ** rng.randrange(-20, 8)
    # An integral float comes back from JS as an int: JS numbers don't tell 1.0 from 1.
    return x + 0.5 if x.is_integer() else x


def random_int(rng):
    bits = rng.choice([5, 7, 8, 15, 16, 31, 32, 53, 63, 64])
    low = -(2 ** 63) if bits >= 63 else -(2 ** bits)
    high = 2 ** 64 - 1 if bits == 64 else 2 ** bits
    return rng.randint(max(low, -(2 ** 63)), high)


def random_value(rng, depth=0):
    pick = rng.randrange(10 if depth < 4 else 8)
    if pick == 0:
        return None
    if pick == 1:
        return rng.random() < 0.5
    if pick == 2:
        return random_int(rng)
    if pick == 3:
        return random_float(rng)
    if pick == 4:
        return random_text(rng, rng.choice([0, 5, 31, 32, 60, 300]))
    if pick == 5:
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 3, 255, 256, 1000])))
    if pick in (6, 7):
        return rng.randrange(-40, 300)
    if pick == 8:
        return [random_value(rng, depth + 1) for _ in range(rng.choice([0, 1, 3, 15, 16, 40]))]
    return {random_key(rng): random_value(rng, depth + 1) for _ in range(rng.choice([0, 1, 3, 15, 16, 20]))}


def answer_generate(request):
    rng = random.Random(request["seed"])
    values = [random_value(rng) for _ in range(request["count"])]
    return [{"hex": pack(v).hex(), "value": typed(v)} for v in values]


def main():
    mode = sys.argv[1]
    request = json.load(sys.stdin)
    handler = {"unpack": answer_unpack, "generate": answer_generate}[mode]
    json.dump(handler(request), sys.stdout)


if __name__ == "__main__":
    main()
