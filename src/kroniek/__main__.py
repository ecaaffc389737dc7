"""``python -m kroniek``: the same as the ``kroniek`` command."""

from kroniek.cli import main

if __name__ == "__main__":
    main()
