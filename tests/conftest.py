"""Test-wide set-up: the examples' helper modules are importable by the tests.

The out-of-core and Dask tests use the same data generator
(``augmented_digits``) and user-defined activation (``user_activations``) as
the examples, instead of copies of them. Dask's local worker processes start
with this ``sys.path``, so they import ``user_activations`` the same way.
"""

import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))
