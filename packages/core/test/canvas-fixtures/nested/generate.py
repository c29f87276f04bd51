"""Generates the nested-canvas reference messages (nested-<version>.json) from Python Celery itself.

Run: /usr/bin/python3 generate.py > nested-5.2.json (Celery 5.2; the 5.5 file comes from the same
script run in the trixie chroot). No server is needed: the broker is memory://, every publish is
recorded by the before_task_publish signal, and the Redis backend's chord-size write is recorded
instead of sent. Each shape lists the messages a client's apply_async publishes, in order, and the
chord sizes set, with the signature and the result id apply_async returned.
"""
import json
import sys

import celery
from celery import Celery, chain, chord, group, signature
from celery.signals import before_task_publish

app = Celery("nested", broker="memory://", backend="redis://127.0.0.1:6379/15")
app.conf.update(task_serializer="json", accept_content=["json"], enable_utc=True)

published = []
chord_sizes = []


@before_task_publish.connect
def record(sender=None, body=None, exchange=None, routing_key=None, headers=None, properties=None, **_):
    published.append({"headers": headers, "properties": {k: properties.get(k) for k in ("correlation_id", "reply_to")}, "body": body, "routing_key": routing_key})


app.backend.set_chord_size = lambda group_id, size: chord_sizes.append([group_id, size])
# A header with a nested group result makes Celery save the header's GroupResult; record nothing.
app.backend.save_group = lambda group_id, result: result


def s(name, *args, **opts):
    return signature(name, args=args, app=app, **opts)


def add(*a):
    return s("tasks.add", *a)


def mul(*a):
    return s("tasks.mul", *a)


def xsum(*a):
    return s("tasks.xsum", *a)


def err():
    return s("tasks.on_error_old")


SHAPES = {
    "group_in_chain_last": lambda: chain(add(1, 1), group([mul(2), mul(3)])),
    "group_in_chain_middle": lambda: chain(add(1, 1), group([mul(2), mul(3)]), xsum(), mul(10)),
    "chain_in_group": lambda: group([chain(add(1, 1), mul(2)), add(5, 5)]),
    "group_in_group": lambda: group([group([add(1, 1), add(2, 2)]), add(3, 3)]),
    "chord_in_chain_last": lambda: chain(add(1, 1), chord([mul(2), mul(3)], xsum())),
    "chord_in_chain_first": lambda: chain(chord([add(1, 1), add(2, 2)], xsum()), mul(10)),
    "chord_in_chain_middle": lambda: chain(add(1, 1), chord([mul(2), mul(3)], xsum()), mul(10)),
    "chord_in_group": lambda: group([chord([add(1, 1), add(2, 2)], xsum()), add(3, 3)]),
    "chain_in_chord_header": lambda: chord([chain(add(1, 1), mul(2)), add(5, 5)], xsum()),
    "group_in_chord_header": lambda: chord([group([add(1, 1), add(2, 2)]), add(3, 3)], xsum()),
    "chord_in_chord_header": lambda: chord([chord([add(1, 1), add(2, 2)], xsum()), add(3, 3)], xsum()),
    "chord_as_chord_body": lambda: chord([add(1, 1), add(2, 2)], chord([mul(2), mul(3)], xsum())),
    "chain_as_chord_body": lambda: chord([add(1, 1), add(2, 2)], chain(xsum(), mul(10))),
    "group_as_chord_body": lambda: chord([add(1, 1), add(2, 2)], group([mul(2), mul(3)])),
    "link_error_on_group_in_chain": lambda: chain(add(1, 1), group([mul(2), mul(3)]).set(link_error=err()), xsum()),
    "link_error_on_group": lambda: group([add(1, 1), add(2, 2)]).set(link_error=err()),
    "link_error_on_chord_header_group": lambda: chord([group([add(1, 1), add(2, 2)]).set(link_error=err()), add(3, 3)], xsum()),
    "link_on_chord_in_chain": lambda: chain(add(1, 1), chord([mul(2), mul(3)], xsum()).set(link=mul(10))),
    "link_error_on_chain_in_group": lambda: group([chain(add(1, 1), mul(2)).set(link_error=err()), add(5, 5)]),
    "link_error_on_chord_header_member": lambda: chord([add(1, 1).set(link_error=err()), chain(add(2, 2), mul(2))], xsum()),
}


def main():
    only = sys.argv[1:]
    out = {"celery": celery.__version__, "shapes": {}}
    for name, build in SHAPES.items():
        if only and name not in only:
            continue
        published.clear()
        chord_sizes.clear()
        sig = build()
        as_dict = json.loads(json.dumps(sig))
        result = sig.apply_async()
        out["shapes"][name] = {
            "signature": as_dict,
            "result_id": result.id,
            "chord_sizes": list(chord_sizes),
            "messages": list(published),
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
