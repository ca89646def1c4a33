import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # makes tests/metrics/sklearn_parity.py importable here
