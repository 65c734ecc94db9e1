import pytest

from episodes.media import PlayerKind, player_for


@pytest.mark.parametrize(
    ("url", "kind", "at_1309"),
    [
        ("https://cdn.example.org/ep.mp3", PlayerKind.AUDIO, "https://cdn.example.org/ep.mp3#t=1309"),
        ("https://cdn.example.org/ep.WAV?sig=1", PlayerKind.AUDIO, "https://cdn.example.org/ep.WAV?sig=1#t=1309"),
        ("https://cdn.example.org/ep.mp4", PlayerKind.VIDEO, "https://cdn.example.org/ep.mp4#t=1309"),
        (
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=x",
            PlayerKind.YOUTUBE,
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=1309",
        ),
        (
            "https://youtu.be/dQw4w9WgXcQ",
            PlayerKind.YOUTUBE,
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=1309",
        ),
        (
            "https://www.dailymotion.com/video/x8abcde",
            PlayerKind.DAILYMOTION,
            "https://www.dailymotion.com/embed/video/x8abcde?start=1309",
        ),
        ("https://vimeo.com/123456789", PlayerKind.VIMEO, "https://player.vimeo.com/video/123456789#t=1309s"),
        ("https://example.org/page.html", PlayerKind.LINK, "https://example.org/page.html"),
    ],
)
def test_it_picks_the_player_and_starts_it_at_the_moment(url, kind, at_1309):
    player = player_for(url)
    assert player.kind == kind
    assert player.src_at(1_309_000) == at_1309


@pytest.mark.parametrize("url", ["", "javascript:alert(1)", "ftp://x/y.mp3", "https://", "not a url"])
def test_it_offers_no_player_for_what_is_not_a_web_address(url):
    assert player_for(url) is None


def test_a_file_starts_at_the_beginning_without_a_fragment():
    assert player_for("https://cdn.example.org/ep.mp3").src_at(0) == "https://cdn.example.org/ep.mp3"


def test_a_file_starts_at_the_lines_own_millisecond_and_an_embed_at_its_second():
    assert player_for("https://cdn.example.org/ep.mp3").src_at(34_929) == "https://cdn.example.org/ep.mp3#t=34.929"
    assert player_for("https://cdn.example.org/ep.mp3").src_at(34_500) == "https://cdn.example.org/ep.mp3#t=34.5"
    assert player_for("https://youtu.be/dQw4w9WgXcQ").src_at(34_929).endswith("?start=34")
