"""``python -m bayesreg.cli``: the same as the ``bayesreg`` command."""

import sys

from . import main

sys.exit(main())
