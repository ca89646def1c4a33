import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # makes tests/imbalance/imbalanced_blobs.py importable here
