"""Imported first by the process pool's fork server (:data:`.tasks.PRELOAD`), before the heavy
preloads: it ignores Ctrl-C (the run decides) and dies with the process that started it, SIGKILL
included (:func:`.tasks.join_pool`). Nothing else imports it."""
from .tasks import join_pool

join_pool()
