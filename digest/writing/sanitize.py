"""Make model output (and text bound for a prompt) inert: no links, mentions, markup or hidden text.

The model's text never carries a link: every URL, bare domain, Slack/Discord mention or link
syntax, markdown link and HTML tag is removed, and invisible or bidi-control characters go too.
Links in a briefing come only from stored item URLs.
"""

from __future__ import annotations

import re
import unicodedata

from digest.text.sentences import split_sentences

__all__ = ["sanitize_model_text", "strip_invisible", "strip_urls", "prompt_safe"]

# Zero-width, bidi embeddings/overrides/isolates, BOM, soft hyphen, word joiner, tag characters:
# everything in Unicode category Cf, plus a few "space-like" blanks that hide text.
_HIDDEN_EXTRA = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}

_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
# Slack <url|text> and <!channel>, Discord <@123>, <@&1>, <#1>, <t:1:R>, <:e:1>, HTML tags.
_ANGLE = re.compile(r"<[^<>\n]{0,500}>")
_MD_IMAGE = re.compile(r"!\[([^\]\n]{0,300})\]\([^)\n]{0,2000}\)")
_MD_LINK = re.compile(r"\[([^\]\n]{0,300})\]\s?\([^)\n]{0,2000}\)")
_MD_REF_DEF = re.compile(r"^\s*\[[^\]\n]{1,100}\]:\s*\S+.*$", re.M)
_MD_REF_LINK = re.compile(r"\[([^\]\n]{0,300})\]\s?\[[^\]\n]{0,100}\]")
_SCHEME_URL = re.compile(
    r"(?<![a-z])(?:https?|hxxps?|ftp|file|javascript|data|vbscript|mailto|tel|sms|slack|discord|"
    r"steam|intent|ws|wss)\s?:(?!\s)\S*",
    re.I,
)
_WWW = re.compile(r"(?<![a-z])www\d{0,3}\.\S+", re.I)
# Bare domains (chat clients link them): labels separated by dots, ending in an alphabetic TLD.
_DOMAIN = re.compile(
    r"(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_][\w-]{1,62}(?::\d+)?(?:/\S*)?"
)  # unicode-aware: internationalised domains are links too
_IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:/\S*)?")
_MENTION_WORDS = re.compile(r"@+\s*(everyone|here|channel|all|group)\b", re.I)
_MARKUP = re.compile(r"[*_~`|#<>\[\]{}\\]")
# Role labels and instruction phrases an obedient model parrots from an injected article.
_ROLE_LINE = re.compile(
    r"\b(?:system|assistant|developer|user)\s*:|"
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier)\s+"
    r"(?:instructions|prompts?|rules)\b",
    re.I,
)
_TAINT = "\ue000"  # marks where something hostile was removed (private use: never in input)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_EMPTY_PARENS = re.compile(r"\(\s*[,.;:]*\s*\)")


def strip_invisible(text: str) -> str:
    """Drop invisible and bidi-control characters; control characters become spaces."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cf" or ch in _HIDDEN_EXTRA or cat in ("Co", "Cs", "Cn"):
            continue
        if cat == "Cc" or cat in ("Zl", "Zp"):
            out.append("\n" if ch in "\n\u2028\u2029" else " ")
            continue
        out.append(ch)
    return "".join(out)


def strip_urls(text: str, mark: str = " ") -> str:
    """Remove URLs with a scheme, www. hosts, bare domains and IP addresses."""
    text = _SCHEME_URL.sub(mark, text)
    text = _WWW.sub(mark, text)
    text = _IP.sub(mark, text)
    return _DOMAIN.sub(mark, text)


def _normalise(text: str) -> str:
    # NFKC folds look-alikes (fullwidth ＠, ＜, ：) into the characters the filters look for.
    return unicodedata.normalize("NFKC", strip_invisible(text))


def sanitize_model_text(text: object, max_chars: int = 1200, *, drop_tainted: bool = False) -> str:
    """Plain, single-paragraph text with no link, mention, markup or hidden character left.

    With `drop_tainted`, a sentence that carried a URL, link, hidden comment or role/instruction
    line is dropped whole rather than patched (its remains read as nonsense or as the attack).
    """
    if not isinstance(text, str):
        return ""
    mark = f" {_TAINT} " if drop_tainted else " "
    text = _normalise(text[: max_chars * 4])
    text = _HTML_COMMENT.sub(mark, text)
    text = _MD_IMAGE.sub(mark, text)
    text = _MD_LINK.sub(rf"\1{mark}", text)
    text = _MD_REF_DEF.sub(mark, text)
    text = _MD_REF_LINK.sub(rf"\1{mark}", text)
    text = strip_urls(text, mark)  # before the angle brackets go: <https://x|label> loses its URL
    # Mentions and tags go without tainting their sentence: what remains still reads well.
    text = _ANGLE.sub(" ", text)
    text = _MENTION_WORDS.sub(" ", text)
    text = text.replace("@", " ")
    if drop_tainted:
        text = _ROLE_LINE.sub(rf"\g<0>{mark}", text)
    text = _MARKUP.sub(" ", text)
    text = strip_urls(text, mark)  # again: removing markup can join a domain back together
    text = text.replace("\n", " ")
    if drop_tainted:
        text = " ".join(s for s in split_sentences(_SPACES.sub(" ", text)) if _TAINT not in s)
    text = text.replace(_TAINT, " ")
    text = _SPACES.sub(" ", text)
    text = _EMPTY_PARENS.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _SPACES.sub(" ", text).strip(" -:;,")
    if len(text) > max_chars:
        cut = text[:max_chars]
        stop = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
        text = cut[: stop + 1] if stop > max_chars // 2 else cut.rsplit(" ", 1)[0] + "…"
    return text


def prompt_safe(text: str, max_chars: int) -> str:
    """Article text as prompt data: hidden characters and URLs removed, no angle brackets left.

    Replacing < and > means nothing inside the data can close or open a delimiter tag.
    """
    text = _normalise(text)
    text = _HTML_COMMENT.sub(" ", text)
    text = strip_urls(text)
    text = text.replace("<", "‹").replace(">", "›")
    text = _SPACES.sub(" ", text)
    text = re.sub(r"\n\s*\n+", "\n", text).strip()
    if len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0] + " …"
    return text
