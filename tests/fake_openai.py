"""A local fake OpenAI-compatible server: POST /v1/chat/completions and /v1/embeddings, with
`usage` figures.

It records every request body, counts prompt tokens as len(text) / 4 of the messages (or of the
inputs), and answers through a replaceable `responder` (chat) or `embedder` (embeddings) so a
test can play an obedient, broken, slow or failing model.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "FakeOpenAI",
    "Reply",
    "fake_openai",
    "story_responder",
    "prompt_tokens",
    "article_ids",
    "bag_of_words",
]

_ARTICLE_ID = re.compile(r'<article id="(\d+)"')


@dataclass
class Reply:
    """What the fake answers: a status, either a JSON body or raw text, and an optional delay."""

    status: int = 200
    content: str | None = None  # the assistant message content (wrapped in a completion)
    raw: str | None = None  # a raw HTTP body instead of a completion
    delay: float = 0.0


Responder = Callable[[dict[str, Any]], Reply]
# an embeddings model: the request body -> a Reply whose `content` is ignored, or None to answer
# with `vector(text)` for each input
Embedder = Callable[[dict[str, Any]], Reply | None]


def bag_of_words(text: str, dims: int = 32) -> list[float]:
    """A deterministic toy embedding: word counts hashed into `dims` buckets (plus one)."""
    import zlib

    out = [0.0] * dims
    for word in text.lower().split():
        out[zlib.crc32(word.encode()) % dims] += 1.0
    out[0] += 1.0  # never all zeros
    return out


def obedient_embedder(body: dict[str, Any]) -> Reply | None:
    return None


def prompt_tokens(body: dict[str, Any]) -> int:
    """Tokens the fake charges for a request: characters of all messages / 4, at least 1."""
    chars = sum(len(str(m.get("content", ""))) for m in body.get("messages", []))
    return max(1, chars // 4)


def article_ids(body: dict[str, Any]) -> list[int]:
    """The story ids in the user message's <article id=...> delimiters."""
    user = next((m for m in body.get("messages", []) if m.get("role") == "user"), {})
    return [int(x) for x in _ARTICLE_ID.findall(str(user.get("content", "")))]


def story_responder(body: dict[str, Any]) -> Reply:
    """A well-behaved model: summarises a story from its first words; top lines cite every id."""
    user = next((m for m in body.get("messages", []) if m.get("role") == "user"), {})
    content = str(user.get("content", ""))
    ids = article_ids(body)
    if "TASK: top_line" in content:
        return Reply(content=json.dumps({"top_line": "Regulators moved today.", "cites": ids}))
    story_id = ids[0] if ids else 0
    return Reply(
        content=json.dumps(
            {
                "story_id": story_id,
                "headline": "Regulators announced a new measure.",
                "summary": "Regulators announced a new measure. It matters for platforms.",
            }
        )
    )


@dataclass
class FakeOpenAI:
    """The running server: its base URL, every request body received, and a replaceable model."""

    base_url: str
    responder: Responder = story_responder
    bodies: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    reject_json_mode: bool = False  # answer 400 when response_format is sent
    reported_tokens: int = 0  # the sum of `usage.total_tokens` it answered with
    embedder: Embedder = obedient_embedder
    vector: Callable[[str], list[float]] = bag_of_words  # what an obedient embedder answers

    @property
    def embedding_requests(self) -> list[dict[str, Any]]:
        """The bodies of the /embeddings calls received."""
        return [b for b in self.requests() if "input" in b and "messages" not in b]

    @property
    def embedded_inputs(self) -> list[str]:
        """Every text sent for embedding, in order."""
        return [text for body in self.embedding_requests for text in body["input"]]

    @property
    def calls(self) -> int:
        with self.lock:
            return len(self.bodies)

    @property
    def story_calls(self) -> int:
        """Requests that asked for a story summary (not a top line)."""
        return sum(
            str(m.get("content", "")).startswith("TASK: story")
            for body in self.requests()
            for m in body.get("messages", [])
            if m.get("role") == "user"
        )

    def bodies_snapshot(self) -> list[str]:
        with self.lock:
            return list(self.bodies)

    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(b) for b in self.bodies]

    def reset(self) -> None:
        with self.lock:
            self.bodies.clear()
            self.headers.clear()


def _completion(body: dict[str, Any], content: str) -> dict[str, Any]:
    prompt = prompt_tokens(body)
    completion = max(1, len(content) // 4)
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def _handler(state: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, payload: str) -> None:
            data = payload.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode("utf-8", "replace")
            with state.lock:
                state.bodies.append(raw)
                state.headers.append(dict(self.headers.items()))
            if self.path.endswith("/embeddings"):
                self._embeddings(json.loads(raw))
                return
            if not self.path.endswith("/chat/completions"):
                self._send(404, json.dumps({"error": {"message": "not found"}}))
                return
            body = json.loads(raw)
            if state.reject_json_mode and "response_format" in body:
                err = {"error": {"message": "response_format is not supported", "code": None}}
                self._send(400, json.dumps(err))
                return
            reply = state.responder(body)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.raw is not None:
                self._send(reply.status, reply.raw)
            elif reply.status != 200:
                self._send(reply.status, json.dumps({"error": {"message": "server error"}}))
            else:
                completion = _completion(body, reply.content or "")
                with state.lock:
                    state.reported_tokens += completion["usage"]["total_tokens"]
                self._send(200, json.dumps(completion))

        def _embeddings(self, body: dict[str, Any]) -> None:
            reply = state.embedder(body)
            if reply is not None:
                if reply.delay:
                    time.sleep(reply.delay)
                self._send(reply.status, reply.raw or json.dumps({"error": {"message": "x"}}))
                return
            inputs = body.get("input", [])
            inputs = [inputs] if isinstance(inputs, str) else inputs
            tokens = max(1, sum(len(t) for t in inputs) // 4)
            data = [
                {"object": "embedding", "index": n, "embedding": state.vector(text)}
                for n, text in enumerate(inputs)
            ]
            with state.lock:
                state.reported_tokens += tokens
            usage = {"prompt_tokens": tokens, "total_tokens": tokens}
            payload = {"object": "list", "data": data, "model": body.get("model"), "usage": usage}
            self._send(200, json.dumps(payload))

    return Handler


@contextmanager
def fake_openai(responder: Responder = story_responder) -> Iterator[FakeOpenAI]:
    """Start the fake on 127.0.0.1 (a free port) for the duration of the block."""
    state = FakeOpenAI(base_url="", responder=responder)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
