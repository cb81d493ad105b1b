"""`python -m rnnkit ...` and `torchrun -m rnnkit train ...` run the rnnkit command."""
from rnnkit.cli.main import main

main()
