"""Python Celery peer of the bench's processing, round-trip and latency rows (src/python-peer, src/latency).

BROKER_URL (the bench's Redis) is the broker and the result backend; QUEUE the queue served. The
worker runs at log level WARNING (no two log lines per task), so the bench learns that it is ready
from the line printed on Celery's worker_ready signal.
"""
import os
import time

from celery import Celery
from celery.signals import worker_ready

URL = os.environ["BROKER_URL"]
app = Celery("celerity_bench_plain", broker=URL, backend=URL)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_default_queue=os.environ.get("QUEUE") or "celery",
    enable_utc=True,
    worker_hijack_root_logger=False,
)

READY_LINE = "celerity-bench: worker ready"


@app.task(name="tasks.add")
def add(x, y):
    return x + y


@app.task(name="tasks.add_stamped")
def add_stamped(x, y):
    # CLOCK_MONOTONIC in ms, the clock Node's process.hrtime reads (bench/src/latency/clock.ts).
    started = time.monotonic_ns() / 1e6
    return [x + y, started]


@worker_ready.connect
def announce_ready(**_):
    print(READY_LINE, flush=True)
