import sys

from deepgrade.cli import main

sys.exit(main())
