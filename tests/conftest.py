import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # makes tests/optest.py importable from every test folder

import chainrule  # noqa: E402


def pytest_runtest_setup(item):
    chainrule.manual_seed(0)
