"""Runs the design's stubs on this machine, without Docker, and drives its flows.

    python3 local.py [--fail ID,...] [--requests N] [--deadline SECONDS] [--flow NAME] [--samples]

Starts one stub process per component (`stubs/stub.py`, Python standard
library only) listening on 127.0.0.1, every one but the clients: this script
is the client. Stores and queues are stubs too, standing in for their
technology. Then it sends every flow's requests N times (default 50), one
after another per flow, the flows side by side, and prints

    {"flows": [{"name", "ok", "failed", "p50_ms", "p99_ms", "estimate"}]}

`p50_ms` and `p99_ms` are observed over the requests that succeeded (`null`
when none did): wall-clock time on this machine. `model_p50_ms` and
`model_p99_ms` are the same requests' modelled time: the latencies the stubs
drew and the round trips they waited, added as language.md section 5 adds
them, without this machine's own overhead. `estimate` holds
`hld estimate`'s figures for the flow. The stubs add no queueing delay (they
run far below the design's rps) and Python adds about a millisecond per hop,
so on an idle machine expect the observed p50 within 25% plus 2 ms per hop of
the estimate's (docs/compose.md, "Stubs").

With `--fail`, those components do not start: their ports refuse
connections, so the flows fail as `hld what-if --fail` predicts.

Every process it starts is stopped before it exits, and it gives up after
`--deadline` seconds (default 300): requests not sent by then count as
failed and the exit code is 1. Exit code 2 is a bad argument.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STUBS = os.path.join(HERE, "stubs")
sys.path.insert(0, STUBS)

import stub  # noqa: E402  (stubs/stub.py, beside the config)


def percentile(values, q):
    """The nearest-rank percentile: the smallest value with at least q of them at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(round(q * 1000)) * len(ordered) // 1000))
    return round(ordered[min(rank, len(ordered)) - 1], 2)


def drive(runner, flow, requests, deadline, failed_components):
    """Sends `requests` requests of `flow` from its client; (ok, failed,
    latencies, modelled latencies, first error, requests not sent before
    the deadline, which count as failed).

    A flow that starts at a client runs the client's part here; one that
    starts inside the system (a service's own events) asks that component's
    stub, which must be up."""
    client = flow["client"]
    first = flow["visits"][0]
    if client in failed_components and runner.design.components[client]["kind"] == "client":
        def one():
            raise stub.Failure(client, "%s, where the flow starts, is down" % client)
    elif runner.design.components[client]["kind"] == "client":
        def one():
            return runner.visit(flow["name"], 0, client)
    else:
        def one():
            try:
                return runner.send(flow["name"], 0, client, {}, False)
            except stub.Failure as failure:
                # A cdn or optional cache where the flow starts is gone
                # past when it is down, as what-if does.
                if not (getattr(failure, "refused", False) and first.get("bypassable")):
                    raise
                return runner.visit(flow["name"], 0, client, miss=True)
    ok, failed, latencies, modelled, error, unsent = 0, 0, [], [], None, 0
    for _ in range(requests):
        if time.monotonic() > deadline:
            failed += 1
            unsent += 1
            continue
        started = time.monotonic()
        try:
            trace = one()
        except stub.Failure as failure:
            failed += 1
            error = error or "%s: %s" % (failure.at, failure.reason)
            continue
        latencies.append((time.monotonic() - started) * 1000.0)
        modelled.append(trace.get("model_ms", 0.0))
        ok += 1
    return ok, failed, latencies, modelled, error, unsent


def wait_ready(port, deadline):
    url = "http://127.0.0.1:%d/healthz" % port
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fail", default="", help="components that do not start, comma-separated")
    parser.add_argument("--requests", type=int, default=50, help="requests per flow (default 50)")
    parser.add_argument("--deadline", type=float, default=300.0, help="give up after this many seconds")
    parser.add_argument("--flow", action="append", help="drive only this flow (repeatable)")
    parser.add_argument("--samples", action="store_true", help="add every request's observed and modelled time")
    args = parser.parse_args(argv)
    with open(os.path.join(STUBS, "stubs.json"), encoding="utf-8") as handle:
        data = json.load(handle)
    components = {component["id"]: component for component in data["components"]}
    failed = [name for name in (part.strip() for part in args.fail.split(",")) if name]
    unknown = [name for name in failed if name not in components]
    if unknown:
        parser.error("--fail names no component of the design: %s (components: %s)" % (", ".join(unknown), ", ".join(components)))
    if not 1 <= args.requests <= 100000:
        parser.error("--requests must be between 1 and 100000")
    if not 0 < args.deadline <= 86400:
        parser.error("--deadline must be more than 0 and at most 86400 seconds")
    flows = data["flows"]
    if args.flow:
        missing = [name for name in args.flow if name not in {flow["name"] for flow in flows}]
        if missing:
            parser.error("no flow %s (flows: %s)" % (", ".join(missing), ", ".join(flow["name"] for flow in flows)))
        flows = [flow for flow in flows if flow["name"] in args.flow]
    deadline = time.monotonic() + args.deadline

    sockets, processes, addresses = {}, [], {}
    scratch = tempfile.mkdtemp(prefix="hld-local-")
    try:
        for component in data["components"]:
            name = component["id"]
            if component["kind"] == "client":
                continue
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.bind(("127.0.0.1", 0))
            if name not in failed:
                listener.listen(128)
            # A failed component's port stays bound but never listens: a
            # connection to it is refused, as to a stopped container.
            sockets[name] = listener
            addresses[name] = {"how": "http", "host": "127.0.0.1", "port": listener.getsockname()[1]}
        address_file = os.path.join(scratch, "addresses.json")
        with open(address_file, "w", encoding="utf-8") as handle:
            json.dump(addresses, handle)
        for name, listener in sockets.items():
            if name in failed:
                continue
            fd = listener.fileno()
            os.set_inheritable(fd, True)
            processes.append(
                subprocess.Popen(
                    [sys.executable, os.path.join(STUBS, "stub.py"), "--component", name,
                     "--config", os.path.join(STUBS, "stubs.json"), "--addresses", address_file,
                     "--fd", str(fd), "--parent", str(os.getpid())],
                    pass_fds=(fd,),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                )
            )
        ready_by = min(deadline, time.monotonic() + 30.0)
        for name, listener in sockets.items():
            if name not in failed and not wait_ready(listener.getsockname()[1], ready_by):
                sys.stderr.write("local.py: the stub of %s did not start\n" % name)
                return 1
        runner = stub.Runner(stub.Design(data, addresses))
        results = [None] * len(flows)

        def run(slot, flow):
            results[slot] = drive(runner, flow, args.requests, deadline, failed)

        threads = [threading.Thread(target=run, args=(slot, flow), daemon=True) for slot, flow in enumerate(flows)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()) + 60.0)
        report = []
        late = False
        for flow, result in zip(flows, results):
            if result is None:
                late = True
                result = (0, args.requests, [], [], "the deadline passed", args.requests)
            ok, bad, latencies, modelled, error, unsent = result
            late = late or unsent > 0
            entry = {
                "name": flow["name"],
                "ok": ok,
                "failed": bad,
                "p50_ms": percentile(latencies, 0.50),
                "p99_ms": percentile(latencies, 0.99),
                "model_p50_ms": percentile(modelled, 0.50),
                "model_p99_ms": percentile(modelled, 0.99),
                "estimate": flow["estimate"],
            }
            if error:
                entry["first_error"] = error
            if unsent:
                entry["not_sent"] = unsent
            if args.samples:
                entry["samples"] = {
                    "ms": [round(value, 3) for value in latencies],
                    "model_ms": [round(value, 3) for value in modelled],
                }
            report.append(entry)
        json.dump({"failed_components": failed, "requests": args.requests, "flows": report}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 1 if late else 0
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for listener in sockets.values():
            listener.close()
        for name in os.listdir(scratch):
            os.remove(os.path.join(scratch, name))
        os.rmdir(scratch)


def interrupted(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    # A stop (kill, CI's timeout) still stops the stubs: see main's finally.
    signal.signal(signal.SIGTERM, interrupted)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
