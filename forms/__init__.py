"""WTForms classes, one module per process, and the registry form_key -> form."""

from forms import (
    core_review,  # noqa: F401  (registers its forms)
    funding,  # noqa: F401  (registers its forms)
    incubation,  # noqa: F401  (registers its forms)
    meetings,  # noqa: F401  (registers its forms)
    registration,  # noqa: F401  (registers its forms)
    supervision,  # noqa: F401  (registers its forms)
)
from forms.registry import FormSpec, all_forms, describe, get_form

__all__ = ["FormSpec", "all_forms", "describe", "get_form"]
