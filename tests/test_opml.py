import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.ingest.opml import OpmlError, OpmlSource, parse_opml, to_opml

SOURCES = [
    OpmlSource("https://ec.europa.eu/commission/presscorner/api/rss", "EU Commission press", "eu"),
    OpmlSource("https://www.ncsc.gov.uk/api/1/services/v1/news-rss-feed.xml", "NCSC & news", "uk"),
    OpmlSource("https://dig.watch/feed", 'Digital "Watch" <news>'),
]


def test_round_trip_keeps_every_source():
    assert parse_opml(to_opml(SOURCES).encode()) == SOURCES


def test_folders_are_kept_and_duplicates_dropped():
    data = b"""<opml version="2.0"><body>
      <outline text="EU"><outline text="EDPB" xmlUrl="https://edpb.europa.eu/feed/news_en"/>
      <outline text="EDPB again" xmlUrl="https://edpb.europa.eu/feed/news_en"/></outline>
    </body></opml>"""
    assert parse_opml(data) == [
        OpmlSource("https://edpb.europa.eu/feed/news_en", "EDPB", folder="EU")
    ]


def test_official_and_folders_survive_a_round_trip():
    sources = [
        OpmlSource("https://a.example/feed", "A", "eu", official=True, folder="Regulators"),
        OpmlSource("https://b.example/feed", "B", folder="Regulators"),
        OpmlSource("https://c.example/feed", "C"),
    ]
    text = to_opml(sources)
    assert 'xmlns:pb="urn:policybrief:opml"' in text and 'pb:official="true"' in text
    assert parse_opml(text.encode()) == sources


def test_official_is_read_by_namespace_whatever_the_prefix():
    data = b"""<opml version="2.0" xmlns:x="urn:policybrief:opml"><body>
      <outline text="A" xmlUrl="https://a.example/feed" x:official="true"/>
      <outline text="B" xmlUrl="https://b.example/feed" official="true"/>
    </body></opml>"""
    a, b = parse_opml(data)
    assert a.official and not b.official  # an attribute outside our namespace is not ours


def test_a_bad_address_is_one_entry_with_its_problem():
    data = (
        b"<opml><body><outline text='ok' xmlUrl='https://a.example/f'/>"
        b"<outline text='bad' xmlUrl='file:///etc/passwd'/></body></opml>"
    )
    ok, bad = parse_opml(data)
    assert ok.problem is None
    assert bad.problem == "outline 2 ('bad'): 'file:///etc/passwd' is not an http(s) feed address"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<opml><body><outline xmlUrl='https://a.example/feed'", "not well-formed XML at line 1"),
        (b"<rss><channel/></rss>", "root element is <rss>, expected <opml>"),
        (b"<opml><head/></opml>", "it has no <body> element"),
        (b"<opml><body><outline text='folder'/></body></opml>", "lists no feeds"),
        (
            b'<!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>',
            "DOCTYPE and entity declarations are not accepted",
        ),
    ],
)
def test_malformed_opml_is_refused_with_a_clear_message(data, message):
    with pytest.raises(OpmlError) as err:
        parse_opml(data)
    assert message in str(err.value)


@given(st.binary(max_size=2048))
def test_any_bytes_give_sources_or_opml_error(data):
    try:
        result = parse_opml(data)
    except OpmlError:
        return
    assert all(s.url.startswith(("http://", "https://")) or s.problem for s in result)
