"""`python -m model.examples FOLDER`: write the example workbooks into FOLDER (default inputs)."""

import sys

from model.examples import write_examples

for written in write_examples(sys.argv[1] if len(sys.argv) > 1 else "inputs"):
    print(f"wrote {written}")
