"""`python -m sandbox [--port 8080] [--database data/sandbox.db] [--no-demo] [--headless]`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from datetime import time
from pathlib import Path

from sandbox.run import DEFAULT_DATABASE, Options, main


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="listen address (keep it local)")
    parser.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE)
    parser.add_argument("--no-demo", dest="demo", action="store_false", help="no demo company")
    parser.add_argument("--seed", type=int, default=7, help="the demo data's random seed")
    parser.add_argument("--headless", action="store_true", help="print only SANDBOX_URL=...")
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument(
        "--start",
        type=time.fromisoformat,
        metavar="HH:MM",
        help="start the bot's clock at this time of today, team time (tests: a morning before 9)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return Options(
        args.host, args.port, args.database, args.demo, args.seed, args.headless, args.start
    )


def cli(argv: list[str]) -> int:
    options = parse(argv)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            main(options)
    except OSError as error:
        # Most often the port is taken (another sandbox, or something else on 8080).
        print(f"Cannot start the sandbox on {options.host}:{options.port}: {error.strerror}.\n"
              "Try another port: python -m sandbox --port 8081", file=sys.stderr)  # fmt: skip
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
