"""``python -m somnomotor`` runs the command line."""

import sys

from somnomotor.cli.main import main

sys.exit(main())
