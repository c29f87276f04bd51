"""Command-line Celery client for Celerity's interop tests. Prints exactly ONE JSON line on stdout.

  python3 client.py send tasks.add '[2,3]' '{}' [--queue q] [--priority 5] [--countdown 2] [--eta ISO]
                    [--expires SECONDS] [--serializer json|msgpack] [--task-id ID] [--retries N] [--headers JSON] [--ignore-result] [--timeout 30] [--no-wait]
  python3 client.py get TASK_ID [--timeout 30]
  python3 client.py watch TASK_ID [--timeout 30]           states seen until ready, and the RETRY exception
  python3 client.py apply CANVAS_JSON [--timeout 30]      chain/group/chord, see build_signature()
  python3 client.py ping [--timeout 2]
  python3 client.py inspect active|reserved|scheduled|registered|stats [--timeout 2]
  python3 client.py celery [--timeout 60] <celery command line after -A celery_app>  (stdout, stderr, code)
  python3 client.py revoke TASK_ID [--terminate]
  python3 client.py group-save GROUP_ID TASK_ID...           GroupResult(...).save()
  python3 client.py group-restore GROUP_ID                   GroupResult.restore(): {"id", "members"} or {"id", "missing"}
  python3 client.py chord-unlock HEADER_JSON BODY_JSON [--interval S] [--max-retries N] [--timeout 30]
                    applies group(header), then Celery's own Backend.fallback_chord_unlock(group_result, body)
                    sends celery.chord_unlock; waits for the body's result

Outcomes: {"id","state","result"} on success; {"id","state":"FAILURE","exc_type","exc_message","exc_module",
"exc_args","traceback"} on failure; {"id","state","timeout":true} when --timeout elapsed (exit code 3);
{"id"} with --no-wait. Broker and backend come from the same environment variables as celery_app.py.
"""
import argparse
import base64
import datetime
import decimal
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from celery import chain, chord, group, signature  # noqa: E402
from celery.canvas import chunks, xmap, xstarmap  # noqa: E402
from celery.exceptions import TimeoutError as CeleryTimeoutError  # noqa: E402

from celery_app import app  # noqa: E402

EXIT_TIMEOUT = 3


def to_jsonable(value):
    """json.dumps fallback for what Python results may hold (kombu >= 5.3 decodes tagged values to these)."""
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes_b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, BaseException):
        return {"exc_type": type(value).__name__, "exc_message": str(value)}
    return repr(value)


def emit(obj, code=0):
    sys.stdout.write(json.dumps(obj, default=to_jsonable, sort_keys=True) + "\n")
    sys.stdout.flush()
    sys.exit(code)


def raw_meta(result):
    """The stored meta as written, before Celery rebuilds exceptions (key-value backends only)."""
    backend = result.backend
    if not hasattr(backend, "get_key_for_task"):
        return None
    try:
        raw = backend.get(backend.get_key_for_task(result.id))
        return backend.decode(raw) if raw is not None else None
    except Exception:  # the raw view is a bonus; the rebuilt result is still reported
        return None


def outcome(result, timeout):
    """Waits for `result` and describes it; a group result reports the list of member outcomes' values."""
    try:
        value = result.get(timeout=timeout, propagate=False)
    except CeleryTimeoutError:
        emit({"id": result.id, "state": result.state, "timeout": True}, EXIT_TIMEOUT)
    except Exception as exc:  # e.g. an exception type that cannot be rebuilt on this Celery version
        emit({"id": result.id, "state": "ERROR", "error_type": type(exc).__name__, "error": str(exc)}, 1)
    state = result.state
    if state == "SUCCESS":
        return {"id": result.id, "state": state, "result": value}
    out = {"id": result.id, "state": state}
    meta = raw_meta(result) or {}
    raw = meta.get("result") if isinstance(meta.get("result"), dict) else {}
    if isinstance(value, BaseException):
        out["exc_type"] = raw.get("exc_type") or type(value).__name__
        out["exc_message"] = str(value)
        out["exc_module"] = raw.get("exc_module", type(value).__module__)
        out["exc_args"] = list(value.args)
        out["traceback"] = result.traceback
    else:
        out["result"] = value
    return out


def build_signature(spec):
    """Builds a canvas from JSON.

    {"task": "tasks.add", "args": [1, 2], "kwargs": {}, "options": {}, "immutable": false}
    {"chain": [spec, ...]}   {"group": [spec, ...]}   {"chord": {"header": [spec, ...], "body": spec}}
    {"map": {"task": spec, "it": [...]}}   {"starmap": {"task": spec, "it": [[...], ...]}}   {"chunks": {"task": spec, "it": [...], "n": 2}}
    """
    if "chain" in spec:
        return chain(*[build_signature(s) for s in spec["chain"]])
    if "group" in spec:
        return group([build_signature(s) for s in spec["group"]])
    if "chord" in spec:
        return chord([build_signature(s) for s in spec["chord"]["header"]], build_signature(spec["chord"]["body"]))
    # Celery's built-ins, as task.map(it) / task.starmap(it) / task.chunks(it, n) build them (for any task name).
    if "map" in spec:
        return xmap(build_signature(spec["map"]["task"]), spec["map"]["it"], app=app)
    if "starmap" in spec:
        return xstarmap(build_signature(spec["starmap"]["task"]), spec["starmap"]["it"], app=app)
    if "chunks" in spec:
        return chunks(build_signature(spec["chunks"]["task"]), spec["chunks"]["it"], spec["chunks"]["n"], app=app)
    return signature(
        spec["task"],
        args=tuple(spec.get("args") or ()),
        kwargs=spec.get("kwargs") or {},
        options=spec.get("options") or {},
        immutable=bool(spec.get("immutable")),
        app=app,
    )


def cmd_send(a):
    options = {}
    for key in ("queue", "priority", "countdown", "expires", "serializer"):
        if getattr(a, key) is not None:
            options[key] = getattr(a, key)
    if a.eta:
        options["eta"] = datetime.datetime.fromisoformat(a.eta.replace("Z", "+00:00"))
    if a.task_id:
        options["task_id"] = a.task_id
    if a.retries:
        options["retries"] = a.retries
    if a.headers:
        options["headers"] = json.loads(a.headers)
    if a.ignore_result:
        options["ignore_result"] = True
    result = app.send_task(a.name, args=json.loads(a.args), kwargs=json.loads(a.kwargs), **options)
    if a.no_wait:
        emit({"id": result.id})
    emit(outcome(result, a.timeout))


def cmd_get(a):
    emit(outcome(app.AsyncResult(a.task_id), a.timeout))


def cmd_watch(a):
    """Polls the state every 20 ms until ready: every state seen in order, and the exception a RETRY carried."""
    import time

    result = app.AsyncResult(a.task_id)
    states = []
    retry = None
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        state = result.state
        if not states or states[-1] != state:
            states.append(state)
        if state == "RETRY" and retry is None:
            exc = result.result
            retry = {"exc_type": type(exc).__name__, "exc_args": list(getattr(exc, "args", ())), "traceback": result.traceback}
        if state in ("SUCCESS", "FAILURE", "REVOKED"):
            out = outcome(result, 1)
            out["states"] = states
            out["retry"] = retry
            emit(out)
        time.sleep(0.02)
    emit({"id": a.task_id, "state": result.state, "states": states, "retry": retry, "timeout": True}, EXIT_TIMEOUT)


def cmd_apply(a):
    result = build_signature(json.loads(a.canvas)).apply_async()
    if a.no_wait:
        emit({"id": result.id})
    if hasattr(result, "results"):  # GroupResult: one outcome per member, in order
        members = [outcome(r, a.timeout) for r in result.results]
        emit({"id": result.id, "state": "SUCCESS" if all(m["state"] == "SUCCESS" for m in members) else "FAILURE",
              "result": [m.get("result") for m in members], "members": members})
    emit(outcome(result, a.timeout))


def cmd_ping(a):
    emit({"replies": app.control.ping(timeout=a.timeout)})


def cmd_inspect(a):
    inspector = app.control.inspect(timeout=a.timeout)
    emit({"replies": getattr(inspector, a.method)() or {}})


def cmd_revoke(a):
    app.control.revoke(a.task_id, terminate=a.terminate)
    emit({"id": a.task_id, "revoked": True})


def cmd_celery(a):
    # Celery's own command line (`celery -A celery_app <args>`), as an operator runs it.
    import subprocess
    here = os.path.dirname(os.path.abspath(__file__))
    proc = subprocess.run([sys.executable, "-m", "celery", "-A", "celery_app", *a.rest],
                          capture_output=True, text=True, cwd=here, timeout=a.timeout)
    emit({"stdout": proc.stdout, "stderr": proc.stderr, "code": proc.returncode})


def cmd_group_save(a):
    app.GroupResult(a.group_id, [app.AsyncResult(t) for t in a.task_ids]).save()
    emit({"id": a.group_id})


def cmd_group_restore(a):
    restored = app.GroupResult.restore(a.group_id)
    if restored is None:
        emit({"id": a.group_id, "missing": True})
    emit({"id": restored.id, "members": [r.id for r in restored.results]})


def cmd_chord_unlock(a):
    # What a chord does on a result backend without native chord counting, by Celery's own code.
    header = group([build_signature(s) for s in json.loads(a.header)])
    body = build_signature(json.loads(a.body))
    body_result = body.freeze()
    group_result = header.apply_async()
    kwargs = {}
    if a.interval is not None:
        kwargs["interval"] = a.interval
    if a.max_retries is not None:
        kwargs["max_retries"] = a.max_retries
    app.backend.fallback_chord_unlock(group_result, body, **kwargs)
    emit(outcome(app.AsyncResult(body_result.id), a.timeout))


def main(argv):
    parser = argparse.ArgumentParser(prog="client.py")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("send")
    p.add_argument("name")
    p.add_argument("args", nargs="?", default="[]")
    p.add_argument("kwargs", nargs="?", default="{}")
    p.add_argument("--queue")
    p.add_argument("--priority", type=int)
    p.add_argument("--countdown", type=float)
    p.add_argument("--eta")
    p.add_argument("--expires", type=float)
    p.add_argument("--serializer", choices=["json", "msgpack"])
    p.add_argument("--task-id")
    p.add_argument("--retries", type=int)
    p.add_argument("--headers", help="JSON object of extra message headers (e.g. traceparent)")
    p.add_argument("--ignore-result", action="store_true")
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--no-wait", action="store_true")
    p.set_defaults(func=cmd_send)
    p = sub.add_parser("get")
    p.add_argument("task_id")
    p.add_argument("--timeout", type=float, default=30)
    p.set_defaults(func=cmd_get)
    p = sub.add_parser("watch")
    p.add_argument("task_id")
    p.add_argument("--timeout", type=float, default=30)
    p.set_defaults(func=cmd_watch)
    p = sub.add_parser("apply")
    p.add_argument("canvas")
    p.add_argument("--timeout", type=float, default=30)
    p.add_argument("--no-wait", action="store_true")
    p.set_defaults(func=cmd_apply)
    p = sub.add_parser("ping")
    p.add_argument("--timeout", type=float, default=2)
    p.set_defaults(func=cmd_ping)
    p = sub.add_parser("inspect")
    p.add_argument("method", choices=["active", "reserved", "scheduled", "registered", "stats", "revoked"])
    p.add_argument("--timeout", type=float, default=2)
    p.set_defaults(func=cmd_inspect)
    p = sub.add_parser("revoke")
    p.add_argument("task_id")
    p.add_argument("--terminate", action="store_true")
    p.set_defaults(func=cmd_revoke)
    p = sub.add_parser("celery")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_celery)
    p = sub.add_parser("group-save")
    p.add_argument("group_id")
    p.add_argument("task_ids", nargs="+")
    p.set_defaults(func=cmd_group_save)
    p = sub.add_parser("group-restore")
    p.add_argument("group_id")
    p.set_defaults(func=cmd_group_restore)
    p = sub.add_parser("chord-unlock")
    p.add_argument("header")
    p.add_argument("body")
    p.add_argument("--interval", type=float)
    p.add_argument("--max-retries", type=int)
    p.add_argument("--timeout", type=float, default=30)
    p.set_defaults(func=cmd_chord_unlock)
    a = parser.parse_args(argv)
    a.func(a)


if __name__ == "__main__":
    main(sys.argv[1:])
