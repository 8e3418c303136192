import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# Tests see what the analyser finds, never an earlier run's cached answer (a test that
# monkeypatches a check must not be answered from the cache): the cache's own tests unset it.
os.environ["LAMLINT_NO_CACHE"] = "1"
