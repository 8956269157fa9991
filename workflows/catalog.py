"""Every module that registers service-task operators, imported in one place.

The registry itself is `workflows.services`; the engine and the linter use it directly, so
that process modules may import them without a cycle. Whatever runs processes (the web app,
the Celery worker, the CLI) imports this module once at start so every operator is registered.
"""

from workflows import (
    funding,  # noqa: F401  (registers the funding operators and indicators)
    incubation,  # noqa: F401  (registers the incubation operators and indicators)
    meetings,  # noqa: F401  (registers the joint-meeting operators)
    registration,  # noqa: F401  (registers the registration operators)
    supervision,  # noqa: F401  (registers the supervision-case operators)
)
from workflows.services import call, service_names

__all__ = ["call", "service_names"]
