"""Where the external test material is: the copies in tests/data (see its README)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
CDA = DATA / "cda"
PDSM = DATA / "pdsm4dmp"
FRCORE = DATA / "frcore"
SYNTHEA = DATA / "synthea"
# The originals, beside the repository when it is checked out in the project's folder.
ORIGINALS = Path(__file__).resolve().parents[2] / "shared" / "data"
