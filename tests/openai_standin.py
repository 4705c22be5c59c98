"""A protocol stand-in for an OpenAI-compatible chat endpoint, NOT a model.

It answers POST /v1/chat/completions with a reply built from the evidence in the
prompt, in a chosen behaviour: ``cite`` (copies the first evidence sentence and cites
it, then adds one sentence with an invented figure and one with a citation that does
not exist, which verification must drop; to the practice prompt it answers in its
【试点】做法：…。成效：… lines the same way), ``fail`` (HTTP 500) or ``slow`` (sleeps past
the client's timeout). Tests start it on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (the answer path's LLM timeout on a busy machine) is no
    error of the stand-in: its traceback would land in whatever test prints next."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class StandIn:
    def __init__(self, behaviour: str = "cite") -> None:
        self.behaviour = behaviour
        self.requests: list[dict] = []
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return None

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                standin.requests.append(body)
                if standin.behaviour == "fail":
                    self.send_response(500)
                    self.end_headers()
                    return
                if standin.behaviour == "slow":
                    time.sleep(3)
                prompt = body["messages"][-1]["content"]
                practice = re.search(r"^【([^｜】]+)｜[^】]*】做法：(.+?)[。；]\[(\d+)\]", prompt, re.MULTILINE)
                if practice:  # the practice prompt: one line per pilot, 做法 then 成效
                    pilot, sentence, n = practice.groups()
                    content = (
                        f"【{pilot}】做法：{sentence}[{n}]。成效：该试点年减排二氧化碳999万吨[{n}]。"
                        f"另一试点也有类似做法[42]。"
                    )
                else:
                    first = re.search(r"^\[1\] 【[^】]*】(.+?[。；])", prompt, re.MULTILINE)
                    sentence = first.group(1) if first else "资料显示相关工作正在推进。"
                    content = (
                        f"{sentence.rstrip('。；')}[1]。该试点年减排二氧化碳999万吨[1]。另一试点也有类似做法[42]。"
                    )
                reply = {
                    "id": "standin",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "standin"),
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }
                data = json.dumps(reply, ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
