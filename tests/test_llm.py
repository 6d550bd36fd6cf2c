"""The optional LLM phrasing, against a real OpenAI-style HTTP server on 127.0.0.1.

Every test runs under a guard that refuses any connection to a host other than this
machine, so nothing here can reach the network even by mistake.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pydantic import ValidationError

from tutor.coach.llm import (
    MAX_REPLY_CHARS,
    LLMConfigError,
    LLMSettings,
    Phrased,
    check_url,
    find_leak,
    health,
    is_local_host,
    normalize,
    phrase_move,
)

PROMPT = "Why does a 7B model not fit in 8 GB of unified memory at fp32?"
ANSWERS = ["because it is big", "the weights are large"]
AUTHORED = "How many bytes does one fp32 parameter take?"
EXPLANATION = (
    "Each fp32 parameter takes 4 bytes. Seven billion parameters take about 28 GB, "
    "far above 8 GB before activations."
)
HINTS = ["Think about what one parameter costs in memory.", "Multiply the parameter count by the bytes per parameter."]
WITHHELD = [EXPLANATION, *HINTS]
GOOD = "You're right that the weights are large! So how many bytes does a single fp32 parameter need?"

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def only_loopback(monkeypatch):
    """Fail any attempt to connect beyond this machine (http.client connects this way)."""
    real = socket.create_connection
    attempts: list[tuple[str, int]] = []

    def guarded(address, *args, **kwargs):
        attempts.append(address)
        assert address[0] in LOOPBACK, f"tried to connect to {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    return attempts


class FakeServer:
    """Speaks enough of the protocol; each test says how it should answer."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict | None]] = []
        self.status = 200
        self.body: bytes | None = None  # raw body, overrides `reply`
        self.reply: object = {"choices": [{"index": 0, "message": {"role": "assistant", "content": GOOD}}]}
        self.models: object = {"object": "list", "data": [{"id": "qwen2.5:7b", "object": "model"}]}
        self.delay_s = 0.0
        self.headers: dict[str, str] = {}
        self.release = threading.Event()  # ends a slow handler's wait at teardown
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.requests.append(("GET", self.path, None))
                self._answer(server.models)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length).decode("utf-8"))
                server.requests.append(("POST", self.path, payload))
                self._answer(server.reply)

            def _answer(self, reply: object) -> None:
                if server.delay_s:
                    server.release.wait(server.delay_s)
                body = server.body if server.body is not None else json.dumps(reply).encode("utf-8")
                try:
                    self.send_response(server.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for key, value in server.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def settings(self, **changes: object) -> LLMSettings:
        values: dict[str, object] = {"url": self.base, "model": "qwen2.5:7b", "timeout_s": 2.0}
        values.update(changes)
        return LLMSettings(**values)

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server():
    s = FakeServer()
    yield s
    s.close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was just free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def phrase(settings: LLMSettings, withheld: list[str] = WITHHELD, lang: str = "en") -> Phrased:
    return phrase_move(settings, PROMPT, ANSWERS, "partial", "probe", AUTHORED, withheld, lang)


def says(server: FakeServer, content: object) -> None:
    server.reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}


# -- a working server ---------------------------------------------------------------------


def test_a_good_reply_is_used(server):
    result = phrase(server.settings())
    assert result == Phrased(GOOD, "llm", None, "")
    ((method, path, payload),) = server.requests
    assert (method, path) == ("POST", "/v1/chat/completions")
    assert payload["model"] == "qwen2.5:7b"
    assert payload["temperature"] == 0
    assert payload["stream"] is False
    sent = json.dumps(payload["messages"], ensure_ascii=False)
    assert AUTHORED in sent and PROMPT in sent and ANSWERS[-1] in sent
    # what must stay hidden is never even sent
    for text in WITHHELD:
        assert text not in sent


def test_the_request_is_deterministic_and_asks_in_the_learners_language(server):
    phrase(server.settings(), lang="zh")
    phrase(server.settings(), lang="zh")
    first, second = (payload for _, _, payload in server.requests)
    assert first == second
    assert "Simplified Chinese" in first["messages"][0]["content"]


def test_no_model_name_leaves_the_choice_to_the_server(server):
    assert phrase(server.settings(model=None)).source == "llm"
    assert "model" not in server.requests[0][2]


def test_a_bare_host_gets_v1_and_a_pasted_endpoint_is_trimmed(server):
    for url in (f"http://127.0.0.1:{server.port}", f"http://localhost:{server.port}/v1/chat/completions/"):
        assert phrase(server.settings(url=url)).source == "llm"
    assert [path for _, path, _ in server.requests] == ["/v1/chat/completions"] * 2


def test_a_reasoning_block_and_wrapping_quotes_are_removed(server):
    says(server, f'<think>The answer is 4 bytes, but I must not say so.</think>\n"{GOOD}"')
    assert phrase(server.settings()) == Phrased(GOOD, "llm")
    says(server, f"hidden reasoning</think>{GOOD}")  # template put <think> in the prompt
    assert phrase(server.settings()).text == GOOD


def test_content_parts_are_joined(server):
    says(server, [{"type": "text", "text": "So, how many bytes "}, {"type": "text", "text": "per parameter?"}])
    assert phrase(server.settings()).text == "So, how many bytes per parameter?"


# -- falling back to the authored move -----------------------------------------------------


def expect_fallback(result: Phrased, reason: str) -> None:
    assert result.source == "authored", result
    assert result.text == AUTHORED
    assert result.reason == reason, result


def test_a_reply_leaking_the_explanation_falls_back(server):
    says(server, "Good start! Each FP32 parameter takes   4 bytes — so what does that make for 7B?")
    result = phrase(server.settings())
    expect_fallback(result, "leak")
    for text in WITHHELD:  # the reason never repeats what it protects
        assert text not in result.detail and "4 bytes" not in result.detail


def test_a_reply_repeating_a_hint_falls_back(server):
    says(server, "multiply the parameter count by the bytes per parameter!")
    expect_fallback(phrase(server.settings()), "leak")


def test_a_reply_giving_away_a_number_falls_back(server):
    says(server, "Would it be close to 28 GB, do you think?")
    expect_fallback(phrase(server.settings()), "leak")


def test_a_chinese_reply_leaking_a_sentence_falls_back(server):
    explanation = "每个 fp32 参数占 4 个字节。七十亿个参数大约需要 28 GB。"
    says(server, "很好！七十亿个参数大约需要多少内存呢？其实七十亿个参数大约需要 28GB 吧？")
    result = phrase_move(server.settings(), "为什么放不下？", ["太大了"], "partial", "probe", "一个参数占多少字节？", [explanation], "zh")
    assert (result.source, result.reason) == ("authored", "leak")


def test_find_leak_normalises_and_respects_what_may_be_said():
    assert find_leak("EACH fp32\tparameter takes 4 bytes?", WITHHELD, [PROMPT]) is not None
    # numbers and phrases the question or the authored move already contain are fine
    assert find_leak("Why can't 8 GB hold a 7B model at fp32?", WITHHELD, [PROMPT, AUTHORED]) is None
    assert find_leak("Each fp32 parameter takes 4 bytes, right?", WITHHELD, ["Each fp32 parameter takes 4 bytes."]) is None
    # a short, common fragment is not taken as a leak
    assert find_leak("因为什么呢？", ["因为。显存不够用了，需要更小的批量。"], []) is None
    assert find_leak("是不是显存不够用了？", ["因为。显存不够用了，需要更小的批量。"], []) is not None  # a clause
    assert find_leak("Would the weights alone be the whole story?", WITHHELD, []) is None
    assert find_leak("So, far above 8 GB before activations?", WITHHELD, []) is not None
    assert find_leak("其实显存不够用了，需要更小的批量！", ["因为。显存不够用了，需要更小的批量。"], []) is not None
    assert find_leak("anything", [], []) is None
    assert normalize("Ｆｕｌｌ-width，  ＭＩＸ。") == "fullwidthmix"


@pytest.mark.parametrize(
    ("body", "reply", "reason"),
    [
        (b"this is not json", None, "malformed"),
        (None, {"choices": []}, "empty"),
        (None, {"choices": [{"message": {"role": "assistant", "content": "   "}}]}, "empty"),
        (None, {"choices": [{"message": {"role": "assistant", "content": None}}]}, "empty"),
        (None, {"error": "no"}, "malformed"),
        (None, {"choices": "lots"}, "malformed"),
        (None, [1, 2, 3], "malformed"),
        (b"\xff\xfe{}", None, "malformed"),
    ],
)
def test_malformed_or_empty_replies_fall_back(server, body, reply, reason):
    server.body = body
    server.reply = reply
    expect_fallback(phrase(server.settings()), reason)


def test_an_http_error_falls_back(server):
    server.status = 500
    server.body = b'{"error": "model not loaded"}'
    result = phrase(server.settings())
    expect_fallback(result, "http-error")
    assert "500" in result.detail and "model not loaded" in result.detail


def test_a_redirect_is_not_followed(server):
    other = FakeServer()
    try:
        server.status = 307
        server.headers = {"Location": f"{other.base}/chat/completions"}
        expect_fallback(phrase(server.settings()), "http-error")
        assert other.requests == []
    finally:
        other.close()


def test_proxy_settings_are_ignored(server, monkeypatch):
    proxy = FakeServer()  # would see the request if urllib used the environment's proxy
    try:
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
        for name in ("no_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        assert phrase(server.settings()).source == "llm"
        assert proxy.requests == [] and len(server.requests) == 1
    finally:
        proxy.close()


def test_a_reply_too_long_falls_back(server):
    says(server, "Why? " * (MAX_REPLY_CHARS // 5 + 1))
    expect_fallback(phrase(server.settings()), "too-long")


def test_a_slow_server_times_out_quickly(server):
    server.delay_s = 3.0
    started = time.monotonic()
    result = phrase(server.settings(timeout_s=0.3))
    elapsed = time.monotonic() - started
    expect_fallback(result, "timeout")
    assert elapsed < 1.5, elapsed


def test_no_server_falls_back(only_loopback):
    port = closed_port()
    result = phrase(LLMSettings(url=f"http://127.0.0.1:{port}/v1", timeout_s=1))
    expect_fallback(result, "unreachable")
    assert only_loopback == [("127.0.0.1", port)]


def test_off_by_default_and_nothing_is_contacted(only_loopback):
    settings = LLMSettings()
    assert settings.url is None and not settings.enabled
    assert (settings.timeout_s, settings.allow_remote, settings.model) == (8, False, None)
    expect_fallback(phrase(settings), "off")
    assert health(settings)[0] is False
    assert only_loopback == []


def test_phrase_move_never_raises(server):
    weird = phrase_move(server.settings(), PROMPT, [None, 3], "partial", "probe", AUTHORED, [None, "x"], "en")  # type: ignore[list-item]
    assert weird.source == "llm"


# -- staying on this machine ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/v1",
        "http://LOCALHOST:11434",
        "http://127.0.0.1:8080/v1",
        "http://127.3.2.1:8080/v1",
        "http://[::1]:8080/v1",
        "https://localhost/v1",
        "http://[::ffff:127.0.0.1]:8080",
    ],
)
def test_local_urls_are_accepted(url):
    assert LLMSettings(url=url).url == url
    assert check_url(url).endswith("/v1")


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://example.com:8080/v1", "example.com"),
        ("http://192.168.1.20:11434/v1", "192.168.1.20"),
        ("https://api.openai.com/v1", "api.openai.com"),
        ("http://0.0.0.0:8080/v1", "0.0.0.0"),
        ("http://localhost.evil.example/v1", "localhost.evil.example"),
        ("http://[2001:db8::1]:8080/v1", "2001:db8::1"),
    ],
)
def test_remote_urls_need_the_opt_in(url, host):
    with pytest.raises(LLMConfigError) as refused:
        check_url(url)
    message = str(refused.value)
    assert host in message and "TUTOR_LLM_ALLOW_REMOTE=1" in message
    with pytest.raises(ValidationError, match="TUTOR_LLM_ALLOW_REMOTE=1"):
        LLMSettings(url=url)
    # with the opt-in the URL is accepted (and not contacted here)
    assert LLMSettings(url=url, allow_remote=True).url == url
    assert check_url(url, allow_remote=True).startswith(url.split("/v1")[0])


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://localhost/x", "localhost:8080", "http://:8080/v1", "http://localhost:99999/v1"])
def test_unusable_urls_are_refused(url):
    with pytest.raises(LLMConfigError):
        check_url(url, allow_remote=True)


def test_a_remote_url_that_slipped_past_validation_is_still_refused(only_loopback):
    settings = LLMSettings.model_construct(url="http://example.com/v1", model=None, timeout_s=1.0, allow_remote=False)
    result = phrase(settings)
    expect_fallback(result, "refused")
    assert "example.com" in result.detail
    ok, detail = health(settings)
    assert not ok and "TUTOR_LLM_ALLOW_REMOTE" in detail
    assert only_loopback == []


def test_is_local_host():
    assert all(map(is_local_host, ["localhost", "127.0.0.1", "127.255.0.9", "::1", "[::1]"]))
    assert not any(map(is_local_host, ["localhost.example", "10.0.0.1", "128.0.0.1", "::2", "", "host"]))


# -- health --------------------------------------------------------------------------------


def test_health_ok_lists_models(server):
    ok, detail = health(server.settings())
    assert ok and "qwen2.5:7b" in detail and "not in its list" not in detail
    assert server.requests == [("GET", "/v1/models", None)]
    ok, detail = health(server.settings(model="qwen2.5"))  # Ollama's ":latest" aside, unknown
    assert ok and "'qwen2.5' is not in its list" in detail


def test_health_not_ok():
    ok, detail = health(LLMSettings(url=f"http://127.0.0.1:{closed_port()}/v1", timeout_s=1))
    assert not ok and "cannot reach" in detail
    ok, detail = health(LLMSettings())
    assert not ok and "TUTOR_LLM_URL" in detail


def test_health_not_ok_on_errors(server):
    server.models = {"models": "somewhere"}
    assert health(server.settings())[0] is False
    server.status = 503
    ok, detail = health(server.settings())
    assert not ok and "503" in detail


# -- settings from the environment ---------------------------------------------------------


def test_settings_from_env():
    assert LLMSettings.from_env({}) == LLMSettings()
    env = {"TUTOR_LLM_URL": " http://127.0.0.1:8080/v1 ", "TUTOR_LLM_MODEL": "mlx-community/Qwen2.5-7B-Instruct-4bit"}
    settings = LLMSettings.from_env(env)
    assert settings.url == "http://127.0.0.1:8080/v1"
    assert settings.model == "mlx-community/Qwen2.5-7B-Instruct-4bit"
    assert (settings.timeout_s, settings.allow_remote, settings.enabled) == (8, False, True)
    assert LLMSettings.from_env({"TUTOR_LLM_URL": "", "TUTOR_LLM_MODEL": ""}) == LLMSettings()
    assert LLMSettings.from_env({**env, "TUTOR_LLM_TIMEOUT": "2.5"}).timeout_s == 2.5


def test_settings_from_env_refuse_a_remote_host_without_the_opt_in():
    env = {"TUTOR_LLM_URL": "http://gpu-box.lan:8080/v1"}
    with pytest.raises(LLMConfigError, match="gpu-box.lan.*TUTOR_LLM_ALLOW_REMOTE=1"):
        LLMSettings.from_env(env)
    for yes in ("1", "true", "YES"):
        assert LLMSettings.from_env({**env, "TUTOR_LLM_ALLOW_REMOTE": yes}).allow_remote
    with pytest.raises(LLMConfigError):
        LLMSettings.from_env({**env, "TUTOR_LLM_ALLOW_REMOTE": "0"})


@pytest.mark.parametrize("bad", ["soon", "0", "-1", "nan", "1e9"])
def test_settings_from_env_refuse_a_bad_timeout(bad):
    with pytest.raises(LLMConfigError, match="TUTOR_LLM_TIMEOUT"):
        LLMSettings.from_env({"TUTOR_LLM_TIMEOUT": bad})


def test_settings_read_the_process_environment(monkeypatch):
    monkeypatch.setenv("TUTOR_LLM_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("TUTOR_LLM_MODEL", "llama3.2")
    monkeypatch.delenv("TUTOR_LLM_ALLOW_REMOTE", raising=False)
    monkeypatch.delenv("TUTOR_LLM_TIMEOUT", raising=False)
    assert LLMSettings.from_env() == LLMSettings(url="http://localhost:11434/v1", model="llama3.2")
