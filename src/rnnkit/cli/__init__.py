"""rnnkit.cli"""

TRUST_HELP = ("let a run folder import the modules its config names (this runs their code: only for folders "
              "you trust)")
"""The help of --trust-imports, which train (from a run folder), evaluate, predict and summary take."""
