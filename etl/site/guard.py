"""The site's guard: an ASGI layer before Datasette that answers every client mistake with a JSON 4xx."""
from __future__ import annotations

import hashlib
import json
import re
import sys
from urllib.parse import parse_qsl, urlencode

from etl.site import rules, threads
from etl.site.limits import TOO_LARGE

READ_METHODS = ("GET", "HEAD", "OPTIONS")
RESPONSE_BYTES = 64_000_000  # above max_csv_mb and the database download; JSON is bounded well below it
HTML_TAG = re.compile(r"<[^>]*>")
QUERY_MS = re.compile(rb'"query_ms": [0-9.e+-]+, ')  # a timing: two replicas would never answer the same bytes
# A top-level `"ok": false` as JSON writes it; inside a JSON string its quotes are escaped (\"ok\"), so an answer
# without this text cannot be an error, and a 200 answer need not be parsed to know it (a page of 50 claims is
# 30 kB of JSON, an export up to 64 MB).
NOT_OK = re.compile(rb'"ok"\s*:\s*false')
JSON_TYPE = b"application/json"
CACHE_SHORT = "public, max-age={ttl}"
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"strict-origin-when-cross-origin")]


def error_body(status: int, message: str) -> bytes:
    return json.dumps({"ok": False, "error": message, "status": status, "title": None}).encode()


async def send_error(send, status: int, message: str, extra_headers=(), head: bool = False) -> None:
    body = error_body(status, message)
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"), *SECURITY_HEADERS, *extra_headers]})
    await send({"type": "http.response.body", "body": b"" if head else body})


def _header(headers, name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _without(headers, *names: bytes) -> list:
    return [(key, value) for key, value in headers if key.lower() not in names]


class Exchange:
    """One request as the guard sees it: what was asked, and the answer Datasette gave, held until complete."""

    def __init__(self, scope, context: rules.Context):
        self.scope = scope
        self.context = context
        self.path = scope["path"]
        self.args = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        self.is_json = self.path.endswith(".json") or ("_format", "json") in self.args
        self.head = scope["method"] == "HEAD"
        self.if_none_match = _header(scope.get("headers", []), b"if-none-match")

    def buffered(self, headers) -> bool:
        """JSON answers are read whole (Datasette sends them in one piece) so their status can be corrected."""
        content_type = _header(headers, b"content-type") or b""
        return self.is_json or content_type.startswith(JSON_TYPE) or self.path.startswith("/-/databases")

    def cache_control(self, status: int) -> bytes:
        if status >= 400 or status in (301, 302) or self.scope["method"] == "OPTIONS":
            return b"no-store"
        if rules.content_addressed(self.path, self.args):
            return CACHE_IMMUTABLE.encode()
        return CACHE_SHORT.format(ttl=self.context.ttl).encode()

    def corrected(self, status: int, body: bytes) -> tuple[int, bytes]:
        """The status and body a client should get for Datasette's JSON answer. A 5xx stays a 5xx: it is a
        bug of the site, logged with Datasette's own error, and the client is told no more than that."""
        if len(body) > RESPONSE_BYTES:
            return 400, error_body(400, TOO_LARGE)
        if self.path.startswith("/-/databases"):
            body = self.context.scrub_paths(body)
        body = QUERY_MS.sub(b"", body)
        if status < 400 and (not body.lstrip().startswith(b"{") or not NOT_OK.search(body)):
            return status, body
        try:
            data = json.loads(body)
        except ValueError:
            if status < 400:
                return status, body
            data = {"error": body[:500].decode("utf-8", "replace")}  # an HTML or text error page
        if not isinstance(data, dict) or (status < 400 and data.get("ok") is not False):
            return status, body
        claimed = data.get("status")
        if status < 400:
            status = claimed if isinstance(claimed, int) and 400 <= claimed < 600 else 400
        if status >= 500:
            sys.stderr.write(f"guard: {self.path} answered {status}: {str(data.get('error'))[:500]}\n")
            return status, error_body(status, rules.SERVER_ERROR)
        message = self.message(data.get("error"))
        status = 429 if message == threads.BUSY else status
        return status, error_body(status, message)

    def message(self, error) -> str:
        text = " ".join(HTML_TAG.sub(" ", str(error or "")).split())
        return rules.client_message(text, self.path, dict(self.args)) or self.fallback()

    def fallback(self) -> str:
        return rules.fallback_message(self.path)


def quiet_errors() -> None:
    """Datasette 0.65 prints every error, even a 404, with rich's traceback and its locals when rich is installed:
    seconds of CPU for each (a denial of service), and a 500 where no exception is active (an unmatched path).
    Without rich it prints plain tracebacks, for 500s only."""
    from datasette import handle_exception

    handle_exception.rich = None


# uvicorn closes a keep-alive connection after 5 s without a request; httpx (and most pools) reuse one for up to
# 5 s. Under load the server's clock starts before the client has read the answer, the close lands on a request
# already sent, and the client sees a reset ("dropped connection"). The server must hold idle connections longer
# than any client or proxy in front of it (60 s is the common proxy default), so that the client always ends them.
KEEP_ALIVE_SECONDS = 75


def keep_connections_open(seconds: int = KEEP_ALIVE_SECONDS) -> None:
    """Make `seconds` the keep-alive timeout of the uvicorn server that `datasette serve` starts: it calls
    uvicorn.run() without one and has no option for it."""
    import uvicorn

    uvicorn.run.__kwdefaults__["timeout_keep_alive"] = seconds


def wrap(app, datasette):
    """The asgi_wrapper of the plugin: refuse, correct and label before and after Datasette."""
    context = rules.Context(datasette)

    async def guard(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        exchange = Exchange(scope, context)
        if scope["method"] not in READ_METHODS:
            return await send_error(send, 405, rules.READ_ONLY, [(b"allow", b"GET, HEAD, OPTIONS")])
        row_path = rules.row_raw_path(scope.get("raw_path"))
        if row_path:
            scope = {**scope, "raw_path": row_path}
        problem = rules.path_problem(scope["path"], scope.get("raw_path"))
        if problem:
            return await send_error(send, *problem, head=exchange.head)
        problem = context.query_problem(scope["path"], exchange.args)
        if problem:
            return await send_error(send, *problem, head=exchange.head)
        cleaned = rules.cleaned_args(scope["path"], exchange.args)
        if cleaned != exchange.args:
            scope = {**scope, "query_string": urlencode(cleaned).encode()}
        with threads.serving_client_sql(rules.client_sql(exchange.args)):
            await app(scope, receive, respond(exchange, send))

    return guard


def respond(exchange: Exchange, send):
    """A `send` that adds the site's headers, corrects JSON answers and stops a body at RESPONSE_BYTES."""
    state = {"start": None, "chunks": [], "sent": 0, "buffer": False, "done": False, "sized": False}

    async def start(status: int, headers: list, keep_length: bool = False) -> None:
        dropped = (b"cache-control",) if keep_length else (b"cache-control", b"content-length")
        headers = _without(headers, *dropped) + SECURITY_HEADERS
        headers.append((b"cache-control", exchange.cache_control(status)))
        await send({"type": "http.response.start", "status": status, "headers": headers})

    async def guarded_send(message):
        if state["done"]:
            return
        if message["type"] == "http.response.start":
            state["start"] = message
            state["buffer"] = exchange.buffered(message.get("headers", []))
            # a file of known size (the database download): cutting it would break its Content-Length and the
            # connection; only answers generated as they stream (CSV) have no length and are cut
            state["sized"] = _header(message.get("headers", []), b"content-length") is not None
            if not state["buffer"]:
                await start(message["status"], message.get("headers", []), keep_length=True)
            return
        if message["type"] != "http.response.body":
            return await send(message)
        body, more = message.get("body", b""), message.get("more_body", False)
        if state["buffer"]:
            state["chunks"].append(body)
            state["sent"] += len(body)
            if more and state["sent"] <= RESPONSE_BYTES:
                return
            status, data = exchange.corrected(state["start"]["status"], b"".join(state["chunks"]))
            headers = [*state["start"].get("headers", [])]
            if status != state["start"]["status"]:
                headers = [(b"content-type", b"application/json; charset=utf-8")] + \
                    _without(headers, b"content-type", b"location")
            headers = _without(headers, b"content-length") + [(b"content-length", str(len(data)).encode())]
            if status == 429:
                headers.append((b"retry-after", b"1"))
            state["done"] = True
            if status == 200:
                etag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'.encode()
                headers.append((b"etag", etag))
                if exchange.if_none_match == etag:
                    await start(304, _without(headers, b"content-length", b"content-type"), keep_length=True)
                    return await send({"type": "http.response.body", "body": b""})
            await start(status, headers, keep_length=True)
            return await send({"type": "http.response.body", "body": b"" if exchange.head else data})
        state["sent"] += len(body)
        if state["sent"] > RESPONSE_BYTES and not state["sized"]:
            state["done"] = True
            return await send({"type": "http.response.body", "body": b"", "more_body": False})
        await send(message)

    return guarded_send
