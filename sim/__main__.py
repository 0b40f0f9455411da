"""`python -m sim` runs the `helpline` command."""

from sim.cli import app

app(prog_name="helpline")
