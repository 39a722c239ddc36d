#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for tests and benchmarks: accepts every message and writes it
as <dir>/<n>.eml. Prints `port=N` once listening (binds 127.0.0.1; port 0 picks a free one).

    python3 scripts/smtp_sink.py --dir /tmp/mail [--port 0] [--hold FILE]

With `--hold FILE`, while FILE exists every message is stored as usual and then its "250" is
withheld (until FILE is removed), with an empty `<n>.eml.held` beside it: the server has the
mail but the client has not heard so. A client killed in that state is the one SMTP cannot
make exactly-once; tests use it to make that case happen on purpose rather than by luck.
"""
import argparse
import asyncio
import itertools
import os
import signal
import socket

from aiosmtpd.controller import Controller

counter = itertools.count()


class Sink:
    def __init__(self, directory, hold):
        self.directory = directory
        self.hold = hold

    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        path = os.path.join(self.directory, f"{os.getpid()}-{n:07d}.eml")
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, path)  # readers never see half a message
        if self.hold and os.path.exists(self.hold):
            open(path + ".held", "wb").close()
            while os.path.exists(self.hold):
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--hold", help="while this file exists, store each message but withhold the 250")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    port = args.port
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    controller = Controller(Sink(args.dir, args.hold), hostname="127.0.0.1", port=port, data_size_limit=10_000_000)
    controller.start()
    print(f"port={port}", flush=True)
    loop = asyncio.new_event_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    loop.run_until_complete(stop)
    controller.stop()


if __name__ == "__main__":
    main()
