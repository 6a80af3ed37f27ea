"""``python -m corpus_tool`` runs the command line."""

import sys

from corpus_tool.cli import main

sys.exit(main())
