import sys

from lecturegen.cli import main

if __name__ == "__main__":
    sys.exit(main())
