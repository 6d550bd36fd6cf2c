"""Optional: a local LLM rephrases the coach's authored move. Off unless configured.

The rubric judges and the authored move decides what to ask; a model only rewords that
one question, more warmly, in the learner's language. Anything going wrong gives the
authored text back, with the reason, so the coach works the same with the model off,
absent, slow or misbehaving. Nothing here raises.

Talks to any OpenAI-compatible server: `POST {base}/chat/completions`, and
`GET {base}/models` for the health check (mlx_lm.server, Ollama's `/v1`,
llama-server). A base URL given without a path gets `/v1`, so
`http://localhost:11434` (Ollama) and `http://127.0.0.1:8080` (mlx_lm.server,
llama-server) both work; a pasted `…/v1/chat/completions` is cut back to its base.

Privacy, because "nothing leaves the machine unless the learner configures it":
- Only a loopback host (`localhost`, 127.0.0.0/8, ::1) is used unless the learner
  opts in with `allow_remote` (`TUTOR_LLM_ALLOW_REMOTE=1`). The host is checked as
  written, never looked up.
- Proxy settings from the environment (`http_proxy` …) are ignored and redirects are
  not followed: either could carry a request for localhost to another machine.
- Only http and https URLs (urllib would otherwise read `file:` URLs).

Not revealing the answer:
- The texts to withhold (the explanation, the hints not yet given) are never sent to
  the model: it cannot leak what it was not shown, whatever the learner types.
- The reply is still checked, since the model may know the answer itself: it falls back
  if it contains any withheld text or any sentence or clause of it (after Unicode,
  case, whitespace and punctuation normalisation; very short pieces are ignored), or a number that appears in the withheld
  text but not in the question, the learner's answers or the authored move. Text the
  authored move itself contains is not counted: the move is allowed to say it.

`phrase_move` blocks for up to about `timeout_s` (a little more on a server that
trickles its reply): call it from a worker thread, never the UI thread.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ENV_URL = "TUTOR_LLM_URL"
ENV_MODEL = "TUTOR_LLM_MODEL"
ENV_ALLOW_REMOTE = "TUTOR_LLM_ALLOW_REMOTE"
ENV_TIMEOUT = "TUTOR_LLM_TIMEOUT"

#: A longer reply is not "one question": the authored move is used instead.
MAX_REPLY_CHARS = 400
#: Tokens the model may spend; generous for 400 Chinese characters.
MAX_TOKENS = 300
#: A bigger response body is not a chat reply.
MAX_BODY_BYTES = 1 << 20
#: Only the latest answers go to the model, each cut to this many characters.
MAX_ANSWERS = 3
MAX_ANSWER_CHARS = 600

Source = Literal["llm", "authored"]
Reason = Literal[
    "off",  # no URL configured
    "refused",  # the URL is not allowed (remote without opt-in, bad scheme, unparsable)
    "unreachable",  # connection refused, reset, or no such host
    "timeout",
    "http-error",  # a non-2xx status, redirects included
    "malformed",  # not JSON, or not the chat-completions shape
    "empty",  # no choices, or blank text
    "leak",  # the reply repeats withheld text
    "too-long",
    "error",  # anything else; a bug, reported rather than raised
]


class LLMConfigError(ValueError):
    """The LLM settings cannot be used; the message says why and how to fix it."""


@dataclass(frozen=True)
class Phrased:
    """The follow-up to show: the model's wording, or the authored one and why."""

    text: str
    source: Source
    reason: Reason | None = None  # None when source == "llm"
    detail: str = ""  # for logs and `tutor doctor`; never contains withheld text


class LLMSettings(BaseModel):
    """Where the phrasing model is. `url=None` (the default) turns it off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str | None = Field(None, description="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    model: str | None = Field(None, description="model name to ask for; some servers need it (Ollama)")
    timeout_s: float = Field(8.0, gt=0, le=600, description="seconds to wait for the server")
    allow_remote: bool = Field(False, description="allow a host other than this machine")

    @field_validator("url", "model", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _url_allowed(self) -> LLMSettings:
        if self.url is not None:
            check_url(self.url, allow_remote=self.allow_remote)
        return self

    @property
    def enabled(self) -> bool:
        return self.url is not None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LLMSettings:
        """Settings from TUTOR_LLM_URL, TUTOR_LLM_MODEL, TUTOR_LLM_ALLOW_REMOTE=1 and
        TUTOR_LLM_TIMEOUT (seconds). LLMConfigError says what is wrong."""
        env = os.environ if environ is None else environ
        allow = env.get(ENV_ALLOW_REMOTE, "").strip().lower() in ("1", "true", "yes", "on")
        url = env.get(ENV_URL, "").strip() or None
        if url is not None:
            check_url(url, allow_remote=allow)
        timeout_text = env.get(ENV_TIMEOUT, "").strip()
        values: dict[str, object] = {"url": url, "model": env.get(ENV_MODEL), "allow_remote": allow}
        if timeout_text:
            try:
                timeout = float(timeout_text)
            except ValueError:
                timeout = float("nan")
            if not 0 < timeout <= 600:  # also false for NaN
                raise LLMConfigError(
                    f"{ENV_TIMEOUT} must be a number of seconds above 0 and at most 600, got {timeout_text!r}"
                )
            values["timeout_s"] = timeout
        return cls(**values)


def check_url(url: str, *, allow_remote: bool = False) -> str:
    """The base URL requests go to (trailing slash removed; `/v1` added to a bare
    host; a pasted `/chat/completions` or `/models` removed). LLMConfigError if the
    URL is unusable, or its host is not this machine and `allow_remote` is off."""
    if not isinstance(url, str) or not url.strip():
        raise LLMConfigError("the LLM URL is empty")
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as e:
        raise LLMConfigError(f"the LLM URL {url!r} cannot be read: {e}") from None
    if parts.scheme not in ("http", "https"):
        raise LLMConfigError(
            f"the LLM URL must start with http:// or https://, got {url!r} "
            "(for example http://127.0.0.1:8080/v1)"
        )
    if not host:
        raise LLMConfigError(f"the LLM URL {url!r} names no host")
    if not allow_remote and not is_local_host(host):
        raise LLMConfigError(
            f"the LLM URL points at {host!r}, which is not this machine, so the learner's "
            f"answers would leave it. Use localhost or 127.0.0.1, or opt in with "
            f"{ENV_ALLOW_REMOTE}=1 (allow_remote) if you mean to send them there."
        )
    path = parts.path.rstrip("/")
    for endpoint in ("/chat/completions", "/models"):
        if path.endswith(endpoint):
            path = path[: -len(endpoint)]
            break
    if not path:
        path = "/v1"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def is_local_host(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1, and IPv4-mapped
    loopback); no name is looked up."""
    name = host.strip().strip("[]").lower()
    if name in ("localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


# -- talking to the server ---------------------------------------------------------


class _Failed(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason: Reason = reason
        self.detail = detail


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect becomes an HTTP error: it could point anywhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None


def _opener() -> urllib.request.OpenerDirector:
    # An empty ProxyHandler replaces the default one that reads http_proxy & co.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _request_json(settings: LLMSettings, path: str, payload: dict | None) -> object:
    """GET (payload None) or POST JSON to `{base}{path}`; the decoded JSON reply.
    Raises _Failed with the reason for anything else."""
    if settings.url is None:
        raise _Failed("off", f"no LLM configured (set {ENV_URL})")
    try:
        base = check_url(settings.url, allow_remote=settings.allow_remote)
    except LLMConfigError as e:
        raise _Failed("refused", str(e)) from None
    headers = {"Accept": "application/json"}
    data = None
    if payload is not None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=data, headers=headers, method="GET" if data is None else "POST")
    timeout = settings.timeout_s
    deadline = time.monotonic() + timeout
    try:
        with _opener().open(request, timeout=timeout) as response:
            body = _read_body(response, deadline)
    except urllib.error.HTTPError as e:
        raise _Failed("http-error", f"HTTP {e.code} from {base + path}: {_error_text(e)}") from None
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise _Failed("timeout", f"no answer from {base} within {timeout:g} s") from None
        raise _Failed("unreachable", f"cannot reach {base}: {_why(e.reason)}") from None
    except TimeoutError:
        raise _Failed("timeout", f"no answer from {base} within {timeout:g} s") from None
    except (http.client.HTTPException, OSError) as e:
        raise _Failed("unreachable", f"lost the connection to {base}: {_why(e)}") from None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _Failed("malformed", f"{base + path} did not answer with JSON") from None


def _read_body(response: http.client.HTTPResponse, deadline: float) -> bytes:
    """The body, but not past the deadline nor beyond MAX_BODY_BYTES: a server that
    trickles bytes cannot hold the coach for longer than about twice the timeout."""
    read = getattr(response, "read1", response.read)
    chunks: list[bytes] = []
    size = 0
    for _ in range(MAX_BODY_BYTES):  # bounded: every pass reads at least one byte
        if time.monotonic() > deadline:
            raise TimeoutError
        chunk = read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Failed("malformed", f"the reply is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    raise _Failed("malformed", "the reply never ended")


def _error_text(e: urllib.error.HTTPError) -> str:
    try:
        text = e.read(500).decode("utf-8", "replace").strip()
    except Exception:  # noqa: BLE001 - only decoration for the detail
        text = ""
    finally:
        e.close()
    return " ".join(text.split())[:200] or (e.reason if isinstance(e.reason, str) else "")


def _why(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def health(settings: LLMSettings) -> tuple[bool, str]:
    """Is the server there and speaking the protocol? (ok, a line saying what was
    found or what is wrong). Never raises."""
    try:
        reply = _request_json(settings, "/models", None)
        data = reply.get("data") if isinstance(reply, dict) else None
        if not isinstance(data, list):
            return False, f"{settings.url} answered, but not with an OpenAI-style model list"
        ids = [str(m["id"]) for m in data if isinstance(m, dict) and "id" in m]
        listed = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
        detail = f"{settings.url} is up, serving {listed}" if ids else f"{settings.url} is up"
        if settings.model and ids and not _model_listed(settings.model, ids):
            detail += f"; {settings.model!r} is not in its list, so requests may fail"
        return True, detail
    except _Failed as e:
        return False, e.detail
    except Exception as e:  # noqa: BLE001 - the health check never raises
        return False, f"unexpected error: {type(e).__name__}: {e}"


def _model_listed(model: str, ids: list[str]) -> bool:
    return model in ids or f"{model}:latest" in ids  # Ollama lists "name:latest"


# -- phrasing ------------------------------------------------------------------------

_LANGUAGES = {"zh": "Simplified Chinese (简体中文)", "en": "English"}

_SYSTEM = """\
You are the voice of a warm, patient teacher in a hands-on machine-learning course.
The teacher has already decided what to ask the learner next; your only job is to
reword that follow-up. Rules:
- Write in {language}. Keep API names, code and technical terms in English.
- Write exactly ONE question, at most two short sentences, speaking to the learner as "you".
- Keep the meaning of the teacher's move. Be encouraging about what the learner got right.
- Never answer the question, never add hints, facts, numbers or explanations the move does not contain.
- Reply with the question only: no preamble, no quotation marks, no notes."""


def build_messages(
    question_prompt: str,
    learner_answers: list[str],
    verdict: str,
    move_kind: str,
    authored_text: str,
    lang: str,
) -> list[dict[str, str]]:
    """The chat sent to the model. The withheld texts are deliberately not part of it."""
    language = _LANGUAGES.get(lang, lang)
    verdict = getattr(verdict, "verdict", verdict)  # the judge's Verdict, or its text
    answers = [a for a in learner_answers if isinstance(a, str)][-MAX_ANSWERS:]
    shown = "\n".join(f"{i}. {_clip(a, MAX_ANSWER_CHARS)}" for i, a in enumerate(answers, 1)) or "(none yet)"
    user = (
        f"Question the learner is working on:\n{question_prompt}\n\n"
        f"The learner's answers so far, oldest first:\n{shown}\n\n"
        f"The rubric's verdict on the latest answer: {verdict}\n"
        f"Kind of follow-up: {move_kind}\n\n"
        f"The teacher's follow-up, to reword in {language}:\n{authored_text}"
    )
    return [
        {"role": "system", "content": _SYSTEM.format(language=language)},
        {"role": "user", "content": user},
    ]


def phrase_move(
    settings: LLMSettings,
    question_prompt: str,
    learner_answers: list[str],
    verdict: str,
    move_kind: str,
    authored_text: str,
    withheld: list[str],
    lang: str,
) -> Phrased:
    """The authored move reworded by the local model, or the authored text itself with
    the reason it was kept. Never raises; blocks up to about `settings.timeout_s`."""

    def authored(reason: Reason, detail: str) -> Phrased:
        return Phrased(authored_text, "authored", reason, detail)

    try:
        payload: dict[str, object] = {
            "messages": build_messages(question_prompt, learner_answers, verdict, move_kind, authored_text, lang),
            "temperature": 0,
            "max_tokens": MAX_TOKENS,
            "stream": False,
        }
        if settings.model:
            payload["model"] = settings.model
        try:
            reply = _request_json(settings, "/chat/completions", payload)
        except _Failed as e:
            return authored(e.reason, e.detail)
        text = _reply_text(reply)
        if text is None:
            return authored("malformed", "the reply is not in the chat-completions shape")
        text = _clean(text)
        if not text:
            return authored("empty", "the model replied with no text")
        if len(text) > MAX_REPLY_CHARS:
            return authored("too-long", f"the reply has {len(text)} characters (limit {MAX_REPLY_CHARS})")
        context = [question_prompt, authored_text, *[a for a in learner_answers if isinstance(a, str)]]
        leak = find_leak(text, withheld, context)
        if leak is not None:
            return authored("leak", leak)
        return Phrased(text, "llm")
    except Exception as e:  # noqa: BLE001 - the coach must answer whatever happens here
        return authored("error", f"{type(e).__name__}: {e}")


def _reply_text(reply: object) -> str | None:
    """choices[0].message.content; None if the reply does not have that shape, "" if
    it has no choices (an empty reply)."""
    if not isinstance(reply, dict) or "choices" not in reply:
        return None
    choices = reply["choices"]
    if not isinstance(choices, list):
        return None
    if not choices:
        return ""
    first = choices[0]
    if not isinstance(first, dict):
        return None
    message = first.get("message")
    content = message.get("content") if isinstance(message, dict) else first.get("text")
    if content is None:
        return ""
    if isinstance(content, list):  # content parts: [{"type": "text", "text": …}]
        texts = [p.get("text") for p in content if isinstance(p, dict)]
        return "".join(t for t in texts if isinstance(t, str))
    return content if isinstance(content, str) else None


_THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.S | re.I)
_QUOTES = "\"'“”‘’「」『』"


def _clean(text: str) -> str:
    """The reply without a reasoning model's <think> block or wrapping quotes."""
    text = _THINK.sub("", text)
    if "</think>" in text:  # the opening tag was part of the prompt template
        text = text.rsplit("</think>", 1)[1]
    text = text.strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text


# -- the leak check ------------------------------------------------------------------

# Sentences and their clauses: "." "!" "?" "," ":" only before a space (not in 0.5 or
# 1,024); the CJK marks and semicolons, dashes and line breaks anywhere.
_CLAUSE_END = re.compile(r"(?<=[.!?,:])\s+|[。！？；;，、：\n]+|\s*(?:—|--)\s*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
#: A withheld text, or one of its sentences or clauses, shorter than this (CJK
#: characters count double) is too common to mean anything when a reply has it.
_MIN_WHOLE = 4
_MIN_CLAUSE = 10


def normalize(text: str) -> str:
    """For comparing texts: NFKC, case-folded, without whitespace or punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in text if not (c.isspace() or unicodedata.category(c).startswith(("P", "C"))))


def _weight(normalized: str) -> int:
    return sum(2 if _is_cjk(c) else 1 for c in normalized)


def _is_cjk(c: str) -> bool:
    return "\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" or "\U00020000" <= c <= "\U0003ffff"


def find_leak(reply: str, withheld: list[str], context: list[str]) -> str | None:
    """Why `reply` gives away withheld text, or None. Names the withheld item by its
    position only, so the explanation never reaches a log or the screen this way."""
    said = normalize(reply)
    allowed = "\n".join(normalize(c) for c in context if isinstance(c, str))
    allowed_numbers = {n for c in context if isinstance(c, str) for n in _numbers(c)}
    reply_numbers = set(_numbers(reply))
    for index, item in enumerate(w for w in withheld if isinstance(w, str)):
        whole = normalize(item)
        if _weight(whole) >= _MIN_WHOLE and whole in said and whole not in allowed:
            return f"the reply contains withheld text #{index + 1}"
        for clause in _CLAUSE_END.split(item):
            part = normalize(clause)
            if _weight(part) >= _MIN_CLAUSE and part in said and part not in allowed:
                return f"the reply contains part of withheld text #{index + 1}"
        leaked = (set(_numbers(item)) - allowed_numbers) & reply_numbers
        if leaked:
            return f"the reply contains a number from withheld text #{index + 1}"
    return None


def _numbers(text: str) -> list[str]:
    """Numbers as written, after NFKC (so full-width digits count): "1,024" -> "1024"."""
    found = _NUMBER.findall(unicodedata.normalize("NFKC", text))
    return [n.replace(",", "") for n in found]


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
