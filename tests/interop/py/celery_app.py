"""Celery app used by Celerity's interop tests: the same task names as tests/interop/ts-tasks.ts.

Configured only through environment variables so one file serves Celery 5.2 (Debian 12) and 5.5
(Debian 13 chroot), Redis and RabbitMQ:

  BROKER_URL          broker (default redis://127.0.0.1:6379/0)
  RESULT_BACKEND      result backend (default: BROKER_URL when it is redis://, else redis://127.0.0.1:6379/0)
  SERIALIZER          task serializer, json | msgpack (default json)
  RESULT_SERIALIZER   result serializer (default json)
  QUEUE               default queue, exchange and routing key (default celery)
  TRACK_STARTED       store STARTED when a task begins, 1 | 0 (default 1)
  RESULT_EXPIRES      seconds results live (default 3600)
  RESULT_EXTENDED     store name, args, kwargs, worker with results, 1 | 0 (default 0)
  ACKS_LATE           acknowledge after running, 1 | 0 (default 0)
  PREFETCH            worker_prefetch_multiplier (default: Celery's, 4). A prefetch count of 1 (PREFETCH=1 with
                      -c 1) makes kombu 5.2's Redis transport pick up each next message only seconds later.
  VISIBILITY_TIMEOUT  Redis transport visibility timeout in seconds (default: kombu's)
  RECORD_URL          Redis that tasks.record appends to (default: the result backend or broker, if redis://)
  RECORD_KEY          list tasks.record appends to (default celerity:records)
  MAX_PRIORITY        task_queue_max_priority: queues are declared with x-max-priority (RabbitMQ; default none)
  QUEUE_TYPE          task_default_queue_type, classic | quorum (Celery >= 5.5; default: Celery's, classic). With
                      quorum, 5.5 workers declare the celery_delayed_* topology and 5.5 clients send countdown
                      tasks through it (when the queue's exchange is not direct, see EXCHANGE_TYPE)
  EXCHANGE_TYPE       task_default_exchange_type, direct | topic (default: Celery's, direct)
  MASTER_NAME         master_name in broker_transport_options and result_backend_transport_options, for
                      sentinel:// URLs (set RESULT_BACKEND too: the default is only taken from redis:// brokers)
  REMOTE_CONTROL      worker_enable_remote_control, 1 | 0 (default 1). Celery 5.2 / 5.5 declare the pidbox queue
                      transient and non-exclusive, which RabbitMQ 4.3 refuses (541): there the worker needs 0
  SSL_CA_CERTS        with SSL_CERTFILE and SSL_KEYFILE: broker_use_ssl and redis_backend_use_ssl for a rediss://
                      Redis (ssl_cert_reqs CERT_REQUIRED, these files; default: no TLS settings)
"""
import json
import os
import time

from celery import Celery


def _env_flag(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _is_redis(url):
    return url.startswith(("redis://", "rediss://", "redis+socket://"))


BROKER_URL = os.environ.get("BROKER_URL") or "redis://127.0.0.1:6379/0"
RESULT_BACKEND = os.environ.get("RESULT_BACKEND") or (
    BROKER_URL if _is_redis(BROKER_URL) else "redis://127.0.0.1:6379/0"
)
QUEUE = os.environ.get("QUEUE") or "celery"

app = Celery("celerity_interop", broker=BROKER_URL, backend=RESULT_BACKEND)

conf = dict(
    task_serializer=os.environ.get("SERIALIZER") or "json",
    result_serializer=os.environ.get("RESULT_SERIALIZER") or "json",
    accept_content=["json", "msgpack"],
    result_accept_content=["json", "msgpack"],
    task_default_queue=QUEUE,
    task_default_exchange=QUEUE,
    task_default_routing_key=QUEUE,
    task_track_started=_env_flag("TRACK_STARTED", True),
    task_acks_late=_env_flag("ACKS_LATE", False),
    result_expires=int(os.environ.get("RESULT_EXPIRES") or 3600),
    result_extended=_env_flag("RESULT_EXTENDED", False),
    enable_utc=True,
    timezone="UTC",
    # Tests start workers and servers themselves; a missing server should fail fast, not hang.
    broker_connection_max_retries=int(os.environ.get("BROKER_MAX_RETRIES") or 3),
    worker_enable_remote_control=_env_flag("REMOTE_CONTROL", True),
)
if os.environ.get("PREFETCH"):
    conf["worker_prefetch_multiplier"] = int(os.environ["PREFETCH"])
if os.environ.get("MAX_PRIORITY"):
    # RabbitMQ refuses (406) a redeclaration with other arguments: every side must declare the same.
    conf["task_queue_max_priority"] = int(os.environ["MAX_PRIORITY"])
if os.environ.get("QUEUE_TYPE"):
    conf["task_default_queue_type"] = os.environ["QUEUE_TYPE"]
if os.environ.get("EXCHANGE_TYPE"):
    conf["task_default_exchange_type"] = os.environ["EXCHANGE_TYPE"]
if os.environ.get("VISIBILITY_TIMEOUT"):
    conf["broker_transport_options"] = {"visibility_timeout": int(os.environ["VISIBILITY_TIMEOUT"])}
if os.environ.get("MASTER_NAME"):
    conf["broker_transport_options"] = {**conf.get("broker_transport_options", {}), "master_name": os.environ["MASTER_NAME"]}
    conf["result_backend_transport_options"] = {"master_name": os.environ["MASTER_NAME"]}
if os.environ.get("SSL_CA_CERTS"):
    import ssl

    _ssl = {
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
        "ssl_ca_certs": os.environ["SSL_CA_CERTS"],
        "ssl_certfile": os.environ.get("SSL_CERTFILE"),
        "ssl_keyfile": os.environ.get("SSL_KEYFILE"),
    }
    conf["broker_use_ssl"] = _ssl
    conf["redis_backend_use_ssl"] = _ssl
# Only Celery >= 5.3 knows this setting; it silences a deprecation warning there and is inert on 5.2.
conf["broker_connection_retry_on_startup"] = True
app.conf.update(conf)

_record_client = None


def _recorder():
    global _record_client
    if _record_client is None:
        import redis

        url = os.environ.get("RECORD_URL") or next((u for u in (RESULT_BACKEND, BROKER_URL) if _is_redis(u)), None)
        if url is None:
            raise RuntimeError("tasks.record needs a Redis: set RECORD_URL")
        _record_client = redis.Redis.from_url(url)
    return _record_client


@app.task(name="tasks.add")
def add(x, y):
    return x + y


@app.task(name="tasks.echo")
def echo(value):
    return value


@app.task(name="tasks.fail")
def fail(msg):
    raise ValueError(msg)


@app.task(name="tasks.sleep")
def sleep(seconds):
    time.sleep(float(seconds))
    return seconds


@app.task(name="tasks.record", bind=True)
def record(self, tag):
    # One list entry per execution, so a test can count how often each tag ran and where.
    entry = {"tag": tag, "worker": self.request.hostname, "id": self.request.id, "lang": "py"}
    _recorder().rpush(os.environ.get("RECORD_KEY") or "celerity:records", json.dumps(entry))
    return tag


@app.task(name="tasks.flaky", bind=True, autoretry_for=(ValueError,), default_retry_delay=0.5, max_retries=2)
def flaky(self, fails):
    # Raises ValueError while it has been retried fewer than `fails` times; returns the retry count.
    if self.request.retries < fails:
        raise ValueError("attempt %d" % self.request.retries)
    return self.request.retries


# Tasks only the Python side has (tests/interop/canvas-mixed.interop.test.ts routes canvases between
# a Python and a Celerity worker by queue; the Celerity worker there has tasks.ts_* instead).
@app.task(name="tasks.py_append")
def py_append(items, tag="py"):
    return list(items) + [tag]


@app.task(name="tasks.py_join")
def py_join(parts):
    # A chord body: the header results (lists), flattened in order, then "py".
    return [item for part in parts for item in part] + ["py"]


@app.task(name="tasks.py_fail")
def py_fail(msg):
    raise ValueError(msg)


@app.task(name="tasks.py_errback")
def py_errback(task_id, tag):
    # Sent by a Celerity worker as an old-style errback: the failed task's id comes first.
    return {"failed": task_id, "tag": tag, "lang": "py"}


@app.task(name="tasks.replace_with", bind=True)
def replace_with(self, sig):
    # Celery's Task.replace: this task's place (id, callbacks, chain, chord) goes to the signature.
    from celery import signature
    return self.replace(signature(sig, app=app))


@app.task(name="tasks.py_negate")
def py_negate(x):
    # Only the Python side has this task (the TypeScript one has no tasks.py_negate).
    return -x


@app.task(name="tasks.request_header", bind=True)
def request_header(self, name):
    # A message header as the task sees it (custom headers become request attributes, as
    # OpenTelemetry's Celery instrumentation reads traceparent).
    return getattr(self.request, name, None)
