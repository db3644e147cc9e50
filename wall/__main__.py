import sys

from wall.cli import main

sys.exit(main())
