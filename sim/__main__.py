"""`python -m sim` and the `helpline` script: the command, with Ctrl-C said plainly even while
it is still starting (importing the libraries takes a moment)."""

from __future__ import annotations

import sys

INTERRUPTED = 130


def main() -> None:
    """Run the `helpline` command; a Ctrl-C before it has started exits 130 without a
    traceback."""
    try:
        from sim.cli import app

        app(prog_name="helpline")
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(INTERRUPTED)


if __name__ == "__main__":
    main()
