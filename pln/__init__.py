"""PLN Hub project package: settings, root URLs and the Celery app.

Importing the package loads the Celery app so `shared_task` binds to it.
"""

from pln.celery import app as celery_app

__all__ = ["celery_app"]
