"""The stub that stands in for every component of the design.

One program, Python standard library only, so it runs in a stock `python:3`
image and on any machine with Python 3.8+. `stubs.json` (written by
`hld compose` beside it) holds the design as the stubs need it: every
component's modelled latency (p50 and p99, language.md section 4), every
link's round trip, and every flow's call tree.

A request names its flow and, between stubs, the visit of the call tree it
asks for (headers `X-Hld-Flow` and `X-Hld-Visit`). For it the stub:

1. waits its component's latency, drawn from the log-normal fitted to its
   p50 and p99 (the maximum of N draws for a `fanout = all` hop into N
   shards);
2. as a cdn or cache: hits with its hit ratio and then skips its miss path
   (its calls). Like `hld what-if`, which counts a database behind a cache
   in full (language.md section 4, "Availability"), a hit is answered only
   while the miss path answers: the stub checks it with a probe that waits
   for nothing;
3. makes its calls for the flow in order: each call waits the link's round
   trip first; a `parallel` step's calls at once; a fire-and-forget call
   (an async link into anything but a queue) is sent and not waited for; a
   queue answers its acknowledgement and hands its messages on afterwards;
   `timeout` and `retries` of a link apply;
4. answers with a JSON trace of the hops, or 503 naming where it broke.

What fails is what `hld what-if --fail` says fails: a call refused by a
component that is down fails the request, except that a load balancer or dns
tries the surviving targets of the same `role`, and a request goes on past a
down cdn or optional cache to its miss path (the caller makes the cache's
calls itself).

Run by `docker compose` (`--port`, addresses from `stubs.json`; stores and
queues are their real images, reached with a TCP connect, and the stub plays
their part of the flow) or by `local.py` (`--fd`, every component a local
stub, addresses from `--addresses`).
"""

import argparse
import errno
import http.client
import json
import math
import random
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The 99th percentile of the standard normal: sigma = ln(p99 / p50) / Z99.
Z99 = 2.3263478740408408
# A call without a `timeout` gives up after this long, so nothing hangs
# (a design may model a minutes-long call; local.py's --deadline bounds a run).
DEFAULT_TIMEOUT_S = 600.0
# Threads for one parallel step, at most (a design can ask for many calls).
MAX_PARALLEL = 64


class Failure(Exception):
    """A call the request waited for failed; `at` names the component."""

    def __init__(self, at, reason, trace=None):
        super().__init__(reason)
        self.at = at
        self.reason = reason
        self.trace = trace


class Design:
    """`stubs.json`, indexed."""

    def __init__(self, data, addresses):
        self.system = data["system"]
        self.components = {component["id"]: component for component in data["components"]}
        self.links = data["links"]
        self.flows = {flow["name"]: flow for flow in data["flows"]}
        # component id -> {"how": "http" | "proxy" | "store" | "in_process", "host", "port", "routes"}
        self.addresses = addresses
        self.rng = random.Random()
        self.rng_lock = threading.Lock()

    def role(self, component):
        return self.components[component].get("role")

    def same_role(self, a, b):
        role = self.role(a)
        return a == b or (role is not None and role == self.role(b))

    def link_between(self, caller, callee):
        """The first link from `caller` to `callee`."""
        for index, link in enumerate(self.links):
            if link["from"] == caller and link["to"] == callee:
                return index
        return None

    def resolve(self, caller, visit):
        """Who `caller` calls for `visit`, and over which link: the visit's
        own hop when the caller is its caller; else (a rerouted request, the
        caller a survivor standing in) the visit's component when the caller
        links to it; a component of its role the
        caller links to (a rerouted request keeps to its own region);
        otherwise the hop as written."""
        callee = visit["component"]
        own = visit["link"]
        if own is not None and self.links[own]["from"] == caller:
            # The link the flow chose (there may be several between two).
            return callee, own
        direct = self.link_between(caller, callee)
        if direct is not None:
            return callee, direct
        role = self.role(callee)
        if role is not None:
            for index, link in enumerate(self.links):
                if link["from"] == caller and self.role(link["to"]) == role:
                    return link["to"], index
        return callee, visit["link"]

    def draw_ms(self, component, draws=1):
        """One latency of the component: log-normal fitted to its p50 and p99."""
        spec = self.components[component]
        p50, p99 = spec["p50_ms"], spec["p99_ms"]
        if p50 <= 0:
            return 0.0
        if p99 <= p50:
            return p50
        sigma = math.log(p99 / p50) / Z99
        with self.rng_lock:
            return max(self.rng.lognormvariate(math.log(p50), sigma) for _ in range(max(1, draws)))

    def chance(self):
        with self.rng_lock:
            return self.rng.random()

    def find_visit(self, flow, hint, me):
        """The visit of `flow` that `me` serves: the one asked for when it is
        `me`'s (or its role's), else the first after it that is (a proxy in
        front of `me` passed the request on), else the first in the flow."""
        visits = self.flows[flow]["visits"]
        if hint is not None and 0 <= hint < len(visits):
            if self.same_role(visits[hint]["component"], me):
                return hint
            below = {hint}
            for index in range(hint + 1, len(visits)):
                if visits[index]["parent"] in below:
                    if self.same_role(visits[index]["component"], me):
                        return index
                    below.add(index)
            return None
        for index, visit in enumerate(visits):
            if self.same_role(visit["component"], me):
                return index
        return None


class Runner:
    """Runs visits: the stub's own (`serve`), and a client's (`local.py`)."""

    def __init__(self, design, probe_timeout_s=5.0):
        self.design = design
        self.probe_timeout_s = probe_timeout_s

    # -- one visit ---------------------------------------------------------

    def visit(self, flow, index, acting, probe=False, miss=False):
        """Runs visit `index` of `flow` as component `acting`; returns its
        trace, or raises Failure. `miss`: a cdn or cache that is down and
        gone past (what-if runs it at hit ratio 0)."""
        design = self.design
        visit = design.flows[flow]["visits"][index]
        spec = design.components[acting]
        started = time.monotonic()
        trace = {"component": acting, "visit": index}
        drawn = 0.0
        if not probe:
            drawn = design.draw_ms(acting, visit.get("draws", 1))
            sleep_ms(drawn)
        # What the model says this visit took (language.md section 5: its
        # latency plus its steps), beside `ms`, what it took on this machine.
        trace["model_ms"] = round(drawn, 3)
        hit_ratio = spec.get("hit_ratio", 0.0)
        if not probe and not miss and hit_ratio > 0 and visit["steps"] and design.chance() < hit_ratio:
            trace["hit"] = True
            # A hit skips the miss path, but needs it up (see the top).
            try:
                self.steps(flow, index, acting, probe=True)
            except Failure as failure:
                trace["ms"] = elapsed_ms(started)
                raise Failure(failure.at, "hit, but its miss path is down: " + failure.reason, trace) from None
            trace["ms"] = elapsed_ms(started)
            return trace
        if visit["state"] == "ack":
            # A queue: acknowledge now, hand the messages on afterwards
            # (background work, which a probe does not follow).
            if not probe:
                background(lambda: self.quietly(lambda: self.steps(flow, index, acting)))
            trace["queued"] = True
        else:
            try:
                trace["calls"], model = self.steps(flow, index, acting, probe)
                trace["model_ms"] = round(drawn + model, 3)
            except Failure as failure:
                trace["calls"] = failure.trace or []
                trace["ms"] = elapsed_ms(started)
                raise Failure(failure.at, failure.reason, trace) from None
        trace["ms"] = elapsed_ms(started)
        return trace

    def steps(self, flow, index, acting, probe=False):
        """The visit's calls, step after step: the traces of the calls, and
        their modelled time (a step after another; a parallel step's
        slowest call)."""
        visit = self.design.flows[flow]["visits"][index]
        traces = []
        model = 0.0
        for step in visit["steps"]:
            calls = step["calls"]
            if step["parallel"] and len(calls) > 1:
                results = [None] * len(calls)

                def run(slot, child):
                    try:
                        results[slot] = self.call(flow, child, acting, probe)
                    except Failure as failure:
                        results[slot] = failure
                    except Exception as error:  # a bug must not hang the step
                        results[slot] = Failure(acting, "stub error: %r" % (error,))

                # Every call, at most MAX_PARALLEL threads at a time.
                for first in range(0, len(calls), MAX_PARALLEL):
                    threads = [
                        threading.Thread(target=run, args=(slot, calls[slot]), daemon=True)
                        for slot in range(first, min(first + MAX_PARALLEL, len(calls)))
                    ]
                    for thread in threads:
                        thread.start()
                    for thread in threads:
                        thread.join()
                failed = [result for result in results if isinstance(result, Failure)]
                done = [result for result in results if result is not None and not isinstance(result, Failure)]
                traces.extend(done)
                model += max((result.get("cost_ms", 0.0) for result in done), default=0.0)
                if failed:
                    raise Failure(failed[0].at, failed[0].reason, traces + [failed[0].trace or {}])
            else:
                for child in calls:
                    try:
                        result = self.call(flow, child, acting, probe)
                    except Failure as failure:
                        raise Failure(failure.at, failure.reason, traces + [failure.trace or {}]) from None
                    traces.append(result)
                    model += result.get("cost_ms", 0.0)
        return traces, model

    def quietly(self, work):
        try:
            work()
        except Failure as failure:
            log("background work stopped at %s: %s" % (failure.at, failure.reason))
        except Exception as error:
            log("background work failed: %r" % (error,))

    # -- one call ----------------------------------------------------------

    def call(self, flow, child, caller, probe=False):
        """One call of the caller's visit; its trace, with `cost_ms`: the
        link's round trip plus the callee's modelled time (the round trip
        alone when nobody waits for the callee)."""
        design = self.design
        visit = design.flows[flow]["visits"][child]
        target, link_index = design.resolve(caller, visit)
        link = design.links[link_index] if link_index is not None else {}
        if not link.get("waits", True):
            # Fire and forget: costs its round trip, nobody waits for the rest.
            if probe:
                return {"component": target, "visit": child, "skipped": True}
            rtt = link.get("rtt_ms", 0.0)
            sleep_ms(rtt)
            quiet = dict(link, rtt_ms=0.0)
            background(lambda: self.quietly(lambda: self.send(flow, child, target, quiet, False)))
            return {"component": target, "visit": child, "background": True, "cost_ms": rtt}
        try:
            return self.attempts(flow, child, target, link, probe)
        except Failure as failure:
            if not getattr(failure, "refused", False) or failure.at != target:
                raise
            refused = failure
        # Down: a balancer tries the survivors of the target's role, each
        # over its own link (its own round trip).
        if design.components[caller].get("balancer") and design.role(target) is not None:
            survivors = [
                (index, link)
                for index, link in enumerate(design.links)
                if link["from"] == caller and link["to"] != target and design.same_role(link["to"], target)
            ]
            for index, other in self.by_weight(survivors):
                try:
                    trace = self.attempts(flow, child, other["to"], other, probe)
                    trace["moved_from"] = target
                    return trace
                except Failure as failure:
                    if not getattr(failure, "refused", False):
                        raise
        # Down: the request goes on past a cdn or optional cache to its miss
        # path; the caller plays it, as a miss (what-if: hit ratio 0).
        if visit.get("bypassable"):
            # Over the same link, with its timeout and retries.
            trace = self.attempts(flow, child, target, link, probe, {"how": "in_process"}, miss=True)
            trace["bypassed"] = True
            return trace
        raise refused

    def by_weight(self, links):
        """Links in a random order, each drawn by its weight (all 0: equal)."""
        pool = [(index, link) for index, link in links if link["weight"] > 0]
        if not pool:
            pool = list(links)
        ordered = []
        while pool:
            weights = [link["weight"] or 1 for _, link in pool]
            mark = self.design.chance() * sum(weights)
            slot = 0
            while slot < len(pool) - 1 and mark >= weights[slot]:
                mark -= weights[slot]
                slot += 1
            ordered.append(pool.pop(slot))
        return ordered

    def attempts(self, flow, child, target, link, probe, address=None, miss=False):
        """The call with its retries (language.md section 7); the last
        failure when none succeeds. On a link with a `timeout`, a failed
        attempt costs the timeout in the model, wherever below it failed; a
        refused one costs nothing (it fails fast, and a balancer moves the
        request on)."""
        spent = 0.0
        last = None
        timeout_ms = None if probe else link.get("timeout_ms")
        for _ in range(1 + int(link.get("retries") or 0)):
            try:
                trace = self.send(flow, child, target, link, probe, address, miss)
            except Failure as failure:
                if timeout_ms is not None and not getattr(failure, "refused", False):
                    spent += timeout_ms
                last = failure
                continue
            trace["cost_ms"] = round(spent + trace["cost_ms"], 3)
            if spent:
                trace["retried_ms"] = round(spent, 3)
            return trace
        raise last

    def send(self, flow, child, target, link, probe, address=None, miss=False):
        """One attempt: reach the target (a refusal is immediate), wait the
        link's round trip, then the target's visit. Its trace's `cost_ms` is
        the round trip plus the visit's modelled time; with a `timeout`, an
        attempt whose modelled time exceeds it fails and costs the timeout
        (the round trip counts towards it)."""
        design = self.design
        if address is None:
            address = design.addresses.get(target, {"how": "in_process"})
        how = address["how"]
        rtt = 0.0 if probe else float(link.get("rtt_ms", 0.0))
        timeout_ms = None if probe else link.get("timeout_ms")

        def timed_out():
            # `attempts` charges the timeout for it.
            return Failure(target, "%s did not answer within its timeout (%g ms)" % (target, timeout_ms))

        if how in ("store", "in_process"):
            if how == "store":
                connect(target, address, link)
            sleep_ms(rtt if timeout_ms is None else min(rtt, timeout_ms))
            if timeout_ms is not None and rtt >= timeout_ms:
                raise timed_out()
            # The stub plays the component's part: its latency and calls.
            trace = self.visit(flow, child, target, probe, miss)
        else:
            trace = self.request(flow, child, target, address, link, probe, rtt, timeout_ms, timed_out)
        cost = rtt + trace.get("model_ms", 0.0)
        if timeout_ms is not None and cost > timeout_ms:
            raise timed_out()
        trace["cost_ms"] = round(cost, 3)
        return trace

    def request(self, flow, child, target, address, link, probe, rtt, timeout_ms, timed_out):
        """An attempt over HTTP: the trace of the target's stub."""
        design = self.design
        path = "/"
        if address["how"] == "proxy":
            path = route(design, flow, child, address)
        headers = {"X-Hld-Flow": flow, "X-Hld-Visit": str(child)}
        if probe:
            headers["X-Hld-Probe"] = "1"
        # The model decides a timeout (above). The socket's is a backstop
        # only: a callee whose attempt the model times out still finishes
        # its own work in real time (its calls, their retries), so it gets
        # room far beyond the timeout.
        wait_s = self.probe_timeout_s if probe else DEFAULT_TIMEOUT_S
        try:
            connection = http.client.HTTPConnection(address["host"], address["port"], timeout=wait_s)
            try:
                connection.connect()
                sleep_ms(rtt if timeout_ms is None else min(rtt, timeout_ms))
                if timeout_ms is not None and rtt >= timeout_ms:
                    raise timed_out()
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            finally:
                connection.close()
        except (ConnectionRefusedError, socket.gaierror) as error:
            # Nothing listens, or (Docker) a stopped container's name no
            # longer resolves: the component is down.
            failure = Failure(target, "%s is down (%s)" % (target, error))
            failure.refused = True
            raise failure from None
        except socket.timeout:
            if timeout_ms is not None:
                raise timed_out() from None
            raise Failure(target, "%s did not answer within %g s" % (target, wait_s)) from None
        except OSError as error:
            failure = Failure(target, "%s: %s" % (target, error))
            failure.refused = error.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH)
            raise failure from None
        try:
            answer = json.loads(body.decode("utf-8"))
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if response.status != 200:
            # A proxy answers 502 when every server it routes to is down:
            # the proxy is up, so a balancer in front of it does not move.
            raise Failure(
                answer.get("at", target),
                answer.get("error", "%s answered %d" % (target, response.status)),
                answer.get("trace"),
            )
        return answer.get("trace", {"component": target, "visit": child})


def route(design, flow, child, address):
    """The path a proxy routes to the component its visit calls next."""
    routes = address.get("routes") or {}
    visits = design.flows[flow]["visits"]
    for step in visits[child]["steps"]:
        for grandchild in step["calls"]:
            callee = visits[grandchild]["component"]
            if callee in routes:
                return routes[callee]
    return "/"


def connect(target, address, link):
    """A store's probe: a TCP connection to its real container."""
    try:
        with socket.create_connection((address["host"], address["port"]), timeout=link_timeout_s(link)):
            pass
    except OSError as error:
        failure = Failure(target, "%s is down (%s)" % (target, error))
        failure.refused = True
        raise failure from None


def link_timeout_s(link):
    timeout = link.get("timeout_ms")
    return timeout / 1000.0 if timeout else DEFAULT_TIMEOUT_S


def sleep_ms(ms):
    if ms > 0:
        time.sleep(min(ms, 600000.0) / 1000.0)


def elapsed_ms(started):
    return round((time.monotonic() - started) * 1000.0, 3)


def background(work):
    threading.Thread(target=work, daemon=True).start()


def log(message):
    sys.stderr.write("stub: %s\n" % message)
    sys.stderr.flush()


def make_handler(runner, me):
    design = runner.design

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"
        server_version = "hld-stub"

        def do_GET(self):
            if self.path.rstrip("/").endswith("/healthz") or self.path == "/healthz":
                return self.reply(200, {"status": "ok", "component": me})
            flow = self.headers.get("X-Hld-Flow")
            if flow not in design.flows:
                return self.reply(
                    404,
                    {"error": "name a flow in the X-Hld-Flow header: one of %s" % ", ".join(sorted(design.flows)), "at": me},
                )
            hint = self.headers.get("X-Hld-Visit")
            try:
                hint = int(hint) if hint is not None else None
            except ValueError:
                hint = None
            index = design.find_visit(flow, hint, me)
            if index is None:
                return self.reply(404, {"error": "%s has no part in flow %s" % (me, flow), "at": me})
            probe = self.headers.get("X-Hld-Probe") == "1"
            try:
                trace = runner.visit(flow, index, me, probe)
            except Failure as failure:
                return self.reply(503, {"error": failure.reason, "at": failure.at, "trace": failure.trace})
            except Exception as error:
                return self.reply(500, {"error": "stub error: %r" % (error,), "at": me})
            self.reply(200, {"flow": flow, "trace": trace})

        do_POST = do_GET

        def reply(self, status, answer):
            body = json.dumps(answer).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the caller gave up (its timeout): nobody to answer

        def log_message(self, *args):
            pass

    return Handler


def exit_with_parent(parent):
    """local.py killed outright cannot stop its stubs: they stop themselves."""
    import os

    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # A caller that hung up is routine (timeouts); anything else is one
        # line, not a traceback per request.
        error = sys.exc_info()[1]
        if not isinstance(error, (BrokenPipeError, ConnectionResetError)):
            log("error serving %s: %r" % (client_address[0], error))


def docker_addresses(data):
    return {component["id"]: component["docker"] for component in data["components"] if component.get("docker")}


def main(argv=None):
    parser = argparse.ArgumentParser(description="The stub of one component of the design.")
    parser.add_argument("--component", required=True, help="the design id this stub stands for")
    parser.add_argument("--config", required=True, help="stubs.json, written by hld compose")
    parser.add_argument("--port", type=int, help="listen on PORT (Docker)")
    parser.add_argument("--listen", default="0.0.0.0", help="the address to listen on with --port (default all)")
    parser.add_argument("--fd", type=int, help="serve on this listening socket (local.py)")
    parser.add_argument("--addresses", help="JSON: where every other stub listens (local.py)")
    parser.add_argument("--parent", type=int, help="exit when this process (local.py) is gone")
    args = parser.parse_args(argv)
    with open(args.config, encoding="utf-8") as handle:
        data = json.load(handle)
    if args.addresses:
        with open(args.addresses, encoding="utf-8") as handle:
            addresses = json.load(handle)
    else:
        addresses = docker_addresses(data)
    design = Design(data, addresses)
    if args.component not in design.components:
        parser.error("the design has no component %s" % args.component)
    handler = make_handler(Runner(design), args.component)
    if args.parent:
        background(lambda: exit_with_parent(args.parent))
    if args.fd is not None:
        server = Server(("127.0.0.1", 0), handler, bind_and_activate=False)
        server.socket.close()
        server.socket = socket.socket(fileno=args.fd)
    else:
        server = Server((args.listen, args.port or 5678), handler)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
