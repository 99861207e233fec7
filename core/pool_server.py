"""Imported first by the process pool's fork server (:data:`.tasks.PRELOAD`), before the heavy
preloads: it ignores Ctrl-C (the run decides) and ends when the process that started it dies, SIGKILL
included (:func:`.tasks.join_pool`, watching its parent). Nothing else imports it."""
from .tasks import join_pool

join_pool(watch=True)
