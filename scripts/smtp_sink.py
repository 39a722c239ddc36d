#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for tests and benchmarks: accepts every message and writes it
as <dir>/<n>.eml. Prints `port=N` once listening (binds 127.0.0.1; port 0 picks a free one).

    python3 scripts/smtp_sink.py --dir /tmp/mail [--port 0]
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
    def __init__(self, directory):
        self.directory = directory

    async def handle_DATA(self, server, session, envelope):
        n = next(counter)
        path = os.path.join(self.directory, f"{os.getpid()}-{n:07d}.eml")
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.replace(tmp, path)  # readers never see half a message
        return "250 Message accepted for delivery"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    port = args.port
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=port, data_size_limit=10_000_000)
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
