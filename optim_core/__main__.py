"""``python -m optim_core``: the command line lives in the top-level cli package (it needs the export layer)."""

import sys

from cli import main

sys.exit(main())
