import sys

from lecturegen.cli import main

sys.exit(main())
