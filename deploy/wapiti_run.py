"""Run Debian's wapiti 3.0.4 with its --exclude working on Python 3.11 or newer.

wapiti 3.0.4 compiles each --exclude pattern as `...\\Z(?ms)`, which Python 3.11 refuses (global
flags must come first), so any -x stops it with a traceback. This puts the flags first and then
runs wapiti's own main, with the same arguments:   /usr/bin/python3 deploy/wapiti_run.py ARGS...
"""

import re
import sys

from wapitiCore.main.wapiti import wapiti_main
from wapitiCore.net import crawler


def wildcard_translate(pattern: str) -> re.Pattern:
    return re.compile("(?ms)" + ".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z")


crawler.wildcard_translate = wildcard_translate
sys.argv[0] = "wapiti"
sys.exit(wapiti_main())
