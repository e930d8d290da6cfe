import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Policies are plain modules inside the pack directory; tests import them, never the pack's __main__.
sys.path.insert(0, str(REPO / "policypack"))
