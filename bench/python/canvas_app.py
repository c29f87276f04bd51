"""Python Celery peer of the bench's canvas rows: the tasks of src/workers/celery-canvas-tasks.ts.

BROKER_URL (the bench's Redis) is the broker and the result backend; QUEUE the queue served.
"""
import os

from celery import Celery

URL = os.environ["BROKER_URL"]
app = Celery("celerity_bench_canvas", broker=URL, backend=URL)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_default_queue=os.environ.get("QUEUE") or "celery",
    enable_utc=True,
    worker_hijack_root_logger=False,
)


@app.task(name="tasks.add")
def add(x, y):
    return x + y


@app.task(name="tasks.check_chord")
def check_chord(results):
    return {"count": len(results), "ordered": all(value == 2 * i for i, value in enumerate(results))}
