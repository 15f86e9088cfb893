"""Raw feed entries to clean entries: readable text, canonical links, no junk or footers.

Canonical links: the normalisation of percent-encoding, dot segments and international host
names is url-normalize's (RFC 3986 section 6, IDNA 2008 with UTS 46; MIT, pure Python, one
dependency, idna, which httpx already brings). Of the candidates it is the one that keeps the
order of query parameters (w3lib's canonicalize_url and courlan sort them, and w3lib keeps
default ports); courlan's tracking filter also drops parameters such as `source`, `ref` or
`uid` that tell articles apart, so the tracking list stays ours and conservative. Plain ASCII
links, which url-normalize would return unchanged (a test proves it), skip the library: it
costs ten times our fast path.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from url_normalize import url_normalize

from core.ingest import CleanEntry
from digest.ingest.rawfeed import RawEntry, TextType

__all__ = [
    "CleanEntry",
    "TRACKING_PARAMS",
    "canonical_url",
    "clean_entry",
    "content_hash",
    "entry_key",
    "html_to_text",
    "normalise_text",
    "paragraph_key",
    "plain_to_text",
    "title_to_text",
    "strip_boilerplate",
]

# Control, format (zero-width, bidi), surrogate, private-use and line/paragraph separator code
# points, generated from unicodedata (Unicode 14, Python 3.11); tab and newline are handled
# separately. The Hangul fillers are letters but render as nothing and are used to spoof text.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890-\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
    "\ud800-\uf8ff\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "\U000f0000-\U000ffffd\U00100000-\U0010fffd"
    "\u115f\u1160\u3164\uffa0\u034f]"
)
# Characters that separate words even though they are "invisible" or line breaks.
_SPACELIKE = re.compile("[\t\n\r\u000b\u000c\u001c-\u001f\u0085\u2028\u2029]")
_WS = re.compile(r"\s+")
# The ASCII members of _INVISIBLE that are not also in _SPACELIKE.
_ASCII_INVISIBLE = re.compile("[\u0000-\u0008\u000e-\u001b\u007f]")

# Tags whose content is never readable text. Only elements that are always closed: an unclosed
# one (a void <embed>, an implicitly closed <head>) would swallow the rest of the entry. Not
# <object>: browsers show its fallback text, and plug-ins are gone.
_SKIP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "iframe", "svg", "math", "title", "canvas",
     "audio", "video"}
)  # fmt: skip
# Word/Outlook conditional markers (<![if !supportLists]>, <![endif]>), which html.parser rejects.
_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[)[^>]{0,200}>")
# Tags that end a paragraph.
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
     "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "section",
     "article", "header", "footer", "aside", "nav", "figure", "figcaption", "hr", "main",
     "address", "details", "summary", "caption", "center", "form", "fieldset", "body", "html"}
)  # fmt: skip

# Query parameters that only track the reader; every other parameter is kept, in order.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
     "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "ref_src", "ref_url",
     "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking", "mkt_tok", "_ga", "_gl",
     "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "wickedid", "rb_clickid", "s_kwcid",
     "ncid", "sr_share", "spm", "trk", "trkcampaign", "cmpid", "srsltid", "ysclid",
     "gad_source", "gad_campaignid", "_openstat"}
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "piwik_", "mtm_", "matomo_", "hmb_", "ga_", "itm_")
# Path and query characters that url-normalize leaves as they are (no escapes, nothing to
# quote); with no dot segment, no empty one and at most one "=" per parameter, such a link is
# already normal.
_PLAIN_CHARS = r"A-Za-z0-9\-._~/:@!$&'()*+,;="
_PLAIN_PART = re.compile(rf"[{_PLAIN_CHARS}?]*")
_DOT_SEGMENT = re.compile(r"(?:^|/)\.\.?(?:/|$)")
# An address most feeds give: lowercase http(s) scheme and host name, no port, user or
# fragment, and a path and query of plain characters (which urlsplit leaves as they are).
_PLAIN_URL = re.compile(
    r"(https?)://([a-z0-9_-]+(?:\.[a-z0-9_-]+)*)"
    rf"(/[{_PLAIN_CHARS}]*)?(?:\?([{_PLAIN_CHARS}?]*))?"
)

# Paragraphs that are promotion wherever they appear, even in a batch too small to compare.
_KNOWN_PROMO = (
    re.compile(r"^would you like to learn more about .{0,80}ask our .{0,40}chatbot\W*$", re.I),
    re.compile(r"^the post .{1,300} appeared first on .{1,120}$", re.I),
    re.compile(
        r"^(continue reading|read more|read the full (story|article))\W{0,6}\S{0,60}$", re.I
    ),
)

# One pass instead of one per pattern (each is anchored at the start and case-insensitive).
_KNOWN_PROMO_ANY = re.compile("|".join(f"(?:{p.pattern})" for p in _KNOWN_PROMO), re.I)

# A labelled list of outlets or accounts ("More: CNBC, Reuters, The Verge, ...", "X: @a, @b"), as
# aggregators append to a story: names to click, not words of the story, so not evidence of its
# places or topics. Later labels in the same paragraph ("... and BGR Forums: Hacker News") start
# more names.
_LABEL_CHARS = 24  # a list label's characters after its capital
_LABEL = rf"^[A-Z][\w ]{{0,{_LABEL_CHARS}}}:"  # "More from the web:"
_LIST_LABEL = re.compile(_LABEL + r"\s")
_LIST_SEPARATOR = re.compile(r",|\s(?:and|&)\s|\s[A-Z]\w{0,24}:\s|\.{3}|…")
_LIST_MIN_NAMES = 4
_CUT_LIST = re.compile(_LABEL + r"\s*(?:\.{3}|…)$")  # "More:...", the names cut off
_LABEL_END = _LABEL_CHARS + 2  # both patterns' colon is within a paragraph's first characters
_NAME_WORDS = 5  # "South China Morning Post"
# words a name may hold in lower case: "Hot for Security", "Tom's Hardware"
_NAME_PARTICLES = frozenset(
    ("of", "for", "the", "and", "in", "at", "on", "de", "la", "le", "du", "von", "van")
)
# A paragraph that is only a date and time: an aggregator's stamp ("May 15, 2025, 6:25 AM")
_STAMP = re.compile(
    r"^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s+)?"
    r"(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}"
    r"|\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?),?\s+\d{4}"
    r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+[A-Z]{2,4})?)?$"
)

_INLINE_TAG = re.compile(
    r"</?(b|i|u|s|em|strong|span|a|sup|sub|br|font|code|small|abbr|mark|q|strike|del|ins|cite)"
    r"\b[^<>]*>",
    re.IGNORECASE,
)
# A start, end or self-closing tag with a plain name and well-formed attributes, which
# html.parser reads the same way; anything else goes to html.parser itself.
_SIMPLE_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9]*)"
    r"(?:\s+[^\s\"'<>/=]+(?:\s*=\s*(?:\"[^\"<]*\"|'[^'<]*'|[^\s\"'<>=`]+))?)*\s*/?>"
)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_NON_WORD = re.compile(r"[\W_]+")
# ASCII bytes that are not letters or digits: what _NON_WORD removes from ASCII text.
_ASCII_NON_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())
# ASCII letters lowercased (what bytes.lower does), for the same pass as that deletion.
_ASCII_LOWER = bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123)))
_FUTURE_SLACK = timedelta(minutes=5)
_LANG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")
_MAX_KEY = 255
MAX_TITLE = 500  # characters of a headline kept (a 1 MB title is an attack, not a headline)
MAX_URL = 2048


class _TextExtractor(HTMLParser):
    """Collects text, turning block tags into paragraph breaks and dropping non-text elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        if self._current:
            self.paragraphs.append("".join(self._current))
            self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._current.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _tidy_inline(s: str) -> str:
    """One paragraph or title: NFKC, invisible characters removed, whitespace collapsed."""
    if s.isascii():
        # The common case, same result: NFKC leaves ASCII alone, and str.split() splits on
        # exactly the ASCII characters that _SPACELIKE and \s cover. A printable ASCII string
        # has no control characters, and no whitespace but the space: often nothing to do.
        if s.isprintable():
            if "  " not in s and s[:1] != " " and s[-1:] != " ":
                return s
        elif _ASCII_INVISIBLE.search(s):
            s = _ASCII_INVISIBLE.sub("", s)
        return " ".join(s.split())
    s = unicodedata.normalize("NFKC", s)
    s = _SPACELIKE.sub(" ", s)
    s = _INVISIBLE.sub("", s)
    return _WS.sub(" ", s).strip()


def normalise_text(s: str) -> str:
    """Plain text on one line: NFKC, no control/zero-width/bidi characters, single spaces."""
    return _tidy_inline(s or "")


def _simple_paragraphs(html: str) -> list[str] | None:
    """What _TextExtractor gives, for markup made only of plain, well-formed tags (what feeds
    and feedparser's sanitiser emit); None for anything else (comments, scripts, a stray "<")."""
    parts = _SIMPLE_TAG.split(html)  # text, "/" or "", name, text, ...
    if html.count("<") != len(parts) // 3:  # each tag holds one "<": a "<" in the text
        return None
    paragraphs: list[str] = []
    current: list[str] = []
    for k in range(0, len(parts) - 1, 3):
        if parts[k]:
            current.append(unescape(parts[k]))
        name = parts[k + 2].lower()
        if name in _BLOCK_TAGS:
            if current:
                paragraphs.append("".join(current))
                current = []
        elif name in _SKIP_TAGS:
            return None
    if parts[-1]:
        current.append(unescape(parts[-1]))
    if current:
        paragraphs.append("".join(current))
    return paragraphs


def _paragraphs(html: str) -> list[str]:
    if "<" not in html:
        # Plain text: blank lines separate paragraphs.
        return _PARAGRAPH_BREAK.split(unescape(html))
    if "<![" in html:
        html = _MARKED_SECTION.sub("", html)
    simple = _simple_paragraphs(html)
    if simple is not None:
        return simple
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError, IndexError):
        # html.parser gives up on some malformed markup (e.g. "<![junk"): fall back to a crude
        # tag strip so the reader still gets the words.
        crude = re.sub(r"<(script|style)\b.*?(</\1\s*>|$)", " ", html, flags=re.I | re.S)
        crude = re.sub(r"<!--.*?(-->|$)", " ", crude, flags=re.S)
        crude = re.sub(r"</?(p|div|br|li|h[1-6]|tr|blockquote)\b[^>]*>", "\n\n", crude, flags=re.I)
        crude = re.sub(r"<[^>]*>?", " ", crude)
        return re.split(r"\n\s*\n", unescape(crude))
    return parser.paragraphs


def html_to_text(html: str) -> str:
    """Readable plain text from (untrusted) HTML; paragraphs separated by a blank line."""
    if not html:
        return ""
    return "\n\n".join([tidy for p in _paragraphs(html) if (tidy := _tidy_inline(p))])


def plain_to_text(text: str) -> str:
    """Plain text kept literally (no markup, no entities read); blank lines separate paragraphs."""
    if not text:
        return ""
    return "\n\n".join([tidy for p in _PARAGRAPH_BREAK.split(text) if (tidy := _tidy_inline(p))])


def _body_text(value: str, kind: TextType) -> str:
    return plain_to_text(value) if kind == "text" else html_to_text(value)


def _clean_host(netloc: str, scheme: str) -> str | None:
    """Lowercase host[:port] without a default port; None when it is not a plain host name."""
    host_port = netloc.rpartition("@")[2]  # drop user:password@, which can disguise the host
    if host_port.startswith("["):
        host, _, rest = host_port[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        if rest and not rest.startswith(":"):
            return None
        if not re.fullmatch(r"[0-9a-fA-F:.]+", host):
            return None
        host = f"[{host.lower()}]"
    else:
        host, _, port = host_port.partition(":")
        host = host.lower().rstrip(".")
        if not re.fullmatch(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*", host):
            return None  # international names arrive here already in their ASCII form
    if port:
        if not port.isdigit() or not 0 < int(port) < 65536:
            return None
        default = (scheme, int(port)) in (("http", 80), ("https", 443))
        port = "" if default else str(int(port))
    return f"{host}:{port}" if port else host


def _untracked(query: str) -> str:
    """`query` without its tracking parameters and empty pairs."""
    return "&".join(p for p in query.split("&") if p and not _is_tracking(p.split("=")[0]))


def _is_tracking(key: str) -> bool:
    k = unquote_plus(key).strip().lower()
    return k in TRACKING_PARAMS or k.startswith(_TRACKING_PREFIXES)


def _is_plain(url: str, path: str, query: str) -> bool:
    """True when url-normalize would leave this path and query exactly as they are."""
    return (
        url.isascii()
        and _PLAIN_PART.fullmatch(path) is not None
        and _PLAIN_PART.fullmatch(query) is not None
        and _DOT_SEGMENT.search(path) is None
        and "//" not in path  # the library merges empty segments
        and all(pair.count("=") <= 1 for pair in query.split("&"))
    )


def canonical_url(url: str | None) -> str | None:
    """An http(s) URL with lowercase scheme and host, no fragment and no tracking parameters.

    Percent-encoding, dot segments and international host names are normalised (url-normalize).
    """
    if not url:
        return None
    plain = _plain_canonical(url)
    return plain if plain is not None else _canonical(url)


def _plain_canonical(url: str) -> str | None:
    """`canonical_url` of an address that needs no normalising (`_PLAIN_URL`, and no dot
    segment, empty segment or doubled "=" that url-normalize would change); else None. Most
    items' links are such, and this is a fraction of the general path's cost."""
    found = _PLAIN_URL.fullmatch(url)
    if found is None:
        return None
    scheme, host, path, query = found.groups(default="")
    if "//" in path or _DOT_SEGMENT.search(path) is not None:
        return None
    if query:
        query = _untracked(query)
        if any(pair.count("=") > 1 for pair in query.split("&")):
            return None
    return f"{scheme}://{host}{path or '/'}" + (f"?{query}" if query else "")


def _canonical(url: str) -> str | None:
    """`canonical_url` of any address (non-empty)."""
    if not (url.isascii() and url.isprintable()):  # else there is nothing invisible in it
        url = _INVISIBLE.sub("", url)
    url = url.strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        return None
    netloc, path = parts.netloc.rpartition("@")[2], parts.path
    query = _untracked(parts.query)
    if not _is_plain(url, path, query):
        try:
            normal = url_normalize(urlunsplit((scheme, netloc, path, query, "")))
            parts = urlsplit(normal or "")
        except (ValueError, UnicodeError):  # idna's errors are UnicodeErrors
            return None
        netloc, path = parts.netloc, parts.path
        # the library decodes escapes such as utm%5Fsource: look at the keys again
        query = _untracked(parts.query)
    host = _clean_host(netloc, scheme)
    if not host:
        return None
    return urlunsplit((scheme, host, path or "/", query, ""))


def entry_key(raw: RawEntry) -> str:
    """The entry's stable identity: guid/id, else its canonical link, else a hash of title+date."""
    guid = normalise_text(raw.guid or "")
    if guid:
        if len(guid) <= _MAX_KEY:
            return guid
        return "sha256:" + hashlib.sha256(guid.encode("utf-8")).hexdigest()
    link = canonical_url(raw.link)
    if link and len(link) <= _MAX_KEY:
        return link
    when = raw.published or raw.updated
    # a markup title by its words: how the markup is written may change, the headline does not
    title = title_to_text(raw.title, "html") if raw.title_type == "html" else raw.title
    basis = normalise_text(title) + "\n" + (when.isoformat() if when else "")
    if not raw.title.strip() and not when:
        # Neither title nor date: the content is all there is to tell entries apart.
        body = (
            _body_text(raw.content_html, raw.content_type)
            if raw.content_html
            else _body_text(raw.summary_html, raw.summary_type)
        )
        basis += "\n" + (link or "") + "\n" + body
    return "sha256:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()


def distinct_keys(entries: list[CleanEntry]) -> list[CleanEntry]:
    """Entries that share a key but tell different articles (another link or title) get keys of
    their own: the guid plus a hash of the link (or title), so neither is lost and neither
    replaces the other on the next poll, in whatever order the feed lists them.

    The entry with the smallest link (then title) keeps the shared key, so the choice does not
    depend on the feed's order. Entries identical in key, link and title stay one entry.
    """
    groups: dict[str, list[CleanEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.entry_key, []).append(entry)
    renamed: dict[int, CleanEntry] = {}
    for key, group in groups.items():
        tellings = {(e.url or "", e.title) for e in group}
        if len(tellings) < 2:
            continue
        keeper = min(tellings)
        for entry in group:
            telling = (entry.url or "", entry.title)
            if telling != keeper:
                digest = hashlib.sha256("\n".join(telling).encode("utf-8")).hexdigest()[:20]
                renamed[id(entry)] = replace(entry, entry_key=f"{key[:200]}#{digest}")
    return [renamed.get(id(e), e) for e in entries]


def content_hash(title: str, text: str) -> str:
    """sha256 hex over title and text: changes whenever the entry is edited."""
    return hashlib.sha256(f"{title}\n\n{text}".encode()).hexdigest()


def title_to_text(title: str, kind: TextType = "text") -> str:
    """A headline on one line of plain text.

    Markup ("html", for html and xhtml titles) is reduced to its words: comments, scripts and
    tags go, entities are decoded. A text title keeps a literal "<meta> tags"; only known
    formatting tags and entities are taken out, which feeds that escape twice still need.
    """
    if kind == "html":
        return " ".join(html_to_text(title).split("\n\n"))
    if "<" in title:
        title = _INLINE_TAG.sub("", title)
    if "&" in title:
        title = unescape(title)
    return normalise_text(title)


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _title_from_text(text: str, limit: int = 90) -> str:
    first = text.split("\n\n", 1)[0]
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0].rstrip(",;:-")
    return cut + "…"


def clean_entry(raw: RawEntry, *, now: datetime) -> CleanEntry | None:
    """Clean one raw entry; None when it has neither a title nor any text."""
    title = title_to_text(raw.title or "", raw.title_type)
    text = _body_text(raw.content_html, raw.content_type) or _body_text(
        raw.summary_html, raw.summary_type
    )
    if text and title:
        # Feeds often repeat the headline as the first paragraph; say it once.
        first, _, rest = text.partition("\n\n")
        if paragraph_key(first) == paragraph_key(title):
            text = rest
    if not title and not text:
        return None
    if not title:
        title = _title_from_text(text)
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1].rstrip() + "…"
    now_utc = _utc(now) or datetime.now(UTC)
    published = _utc(raw.published) or _utc(raw.updated) or now_utc
    if published > now_utc + _FUTURE_SLACK:
        published = now_utc  # a date in the future would pin the item to the top of every brief
    language = (raw.language or "").strip().lower().replace("_", "-") or None
    if language and not _LANG.match(language):
        language = None
    url = canonical_url(raw.link)
    if url is not None and len(url) > MAX_URL:
        url = None  # a cut address would lead somewhere else; an item without a link is honest
    return CleanEntry(
        entry_key=entry_key(raw),
        url=url,
        title=title,
        text=text,
        published_at=published,
        language=language,
        content_hash=content_hash(title, text),
    )


def paragraph_key(paragraph: str) -> str:
    """A paragraph reduced for comparison: casefolded, punctuation and whitespace removed."""
    if paragraph.isascii():
        # same result: NFKC leaves ASCII alone and casefold() is lower() there
        return paragraph.encode("ascii").translate(_ASCII_LOWER, _ASCII_NON_ALNUM).decode("ascii")
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", paragraph).casefold())


def _is_known_promo(paragraph: str) -> bool:
    return _KNOWN_PROMO_ANY.match(paragraph) is not None


def _is_name(part: str) -> bool:
    words = part.strip(" .").split()
    return 0 < len(words) <= _NAME_WORDS and all(
        w[:1].isupper() or w[:1].isdigit() or w[:1] == "@" or w in _NAME_PARTICLES for w in words
    )


def _is_link_list(paragraph: str) -> bool:
    """Whether `paragraph` is a labelled list of names (outlets, accounts), every part a name."""
    if ":" not in paragraph[:_LABEL_END]:
        return False  # no label (most paragraphs): neither pattern can match
    label = _LIST_LABEL.match(paragraph)
    if label is None or paragraph.count(",") < _LIST_MIN_NAMES - 1:
        return _CUT_LIST.match(paragraph) is not None
    parts = [p for p in _LIST_SEPARATOR.split(paragraph[label.end() :]) if p.strip(" .")]
    return len(parts) >= _LIST_MIN_NAMES and all(_is_name(p) for p in parts)


def _is_noise(paragraph: str) -> bool:
    """A paragraph that is never the story's: a known promo line, a list of links, a stamp."""
    return _is_known_promo(paragraph) or _is_link_list(paragraph) or bool(_STAMP.match(paragraph))


def strip_boilerplate(
    entries: list[CleanEntry], *, min_entries: int = 3, share: float = 0.5
) -> list[CleanEntry]:
    """Remove paragraphs that recur across a source's batch (footers, promos); hashes recomputed.

    A paragraph counts as boilerplate when it appears in at least `share` of the batch's distinct
    texts (and at least 2), once the batch has `min_entries` of them. Pass the whole feed, not
    only new entries, so a footer is recognised on every poll. Well-known promo lines, labelled
    lists of outlets or accounts and bare date stamps go always.
    """
    texts = {e.text for e in entries if e.text}
    keys: dict[str, str] = {}  # paragraph -> its key, each computed once per batch
    counts: Counter[str] = Counter()
    for text in texts:
        paras = text.split("\n\n")
        for p in paras:
            if p not in keys:
                keys[p] = paragraph_key(p)
        counts.update({keys[p] for p in paras})
    recurring: set[str] = set()
    if len(texts) >= min_entries:
        needed = max(2, math.ceil(share * len(texts)))
        recurring = {k for k, n in counts.items() if n >= needed and k}
    dropped = {p for p, k in keys.items() if k in recurring or _is_noise(p)}
    if not dropped:
        return entries  # the common case: nothing to take out
    out = []
    for entry in entries:
        paras = entry.text.split("\n\n") if entry.text else []
        kept = [p for p in paras if p not in dropped]
        if len(kept) == len(paras):
            out.append(entry)
            continue
        text = "\n\n".join(kept)
        out.append(replace(entry, text=text, content_hash=content_hash(entry.title, text)))
    return out
