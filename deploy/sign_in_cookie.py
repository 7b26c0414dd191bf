"""Sign the first seeded coach in through the stack's proxy; print the Cookie header to scan with.

    python deploy/sign_in_cookie.py ACCOUNTS_JSON     (inside deploy/with-stack; see security-scan)

The session cookie, the vault's cookie half and the CSRF cookie, so the scanner works signed in
with records unlocked and may submit forms.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from smoke import Browser, Failed


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: sign_in_cookie.py ACCOUNTS_JSON", file=sys.stderr)
        return 2
    coach = json.loads(open(sys.argv[1]).read())["coaches"][0]  # noqa: SIM115
    browser = Browser(os.environ["ETHOS_STACK_URL"], os.environ["ETHOS_STACK_CA"])
    try:
        status, _, _ = browser.post("/sign-in/", {"email": coach["email"], "passphrase": coach["passphrase"]})
        if status != 302:
            raise Failed(f"sign-in answered {status}")
        browser.get("/clients/")
    except (Failed, OSError) as error:
        print(f"sign_in_cookie: {error}", file=sys.stderr)
        return 1
    print("; ".join(f"{cookie.name}={cookie.value}" for cookie in browser.jar))
    return 0


if __name__ == "__main__":
    sys.exit(main())
