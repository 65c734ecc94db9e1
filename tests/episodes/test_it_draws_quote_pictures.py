"""A shared passage's picture: its link preview's og:image and « Citer »'s download, 1200 × 630 PNG,
read back with Tesseract (French) as a person reads it; drawn once, then served from the disk."""

import difflib
import io
import os
import shutil
import subprocess

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from episodes.quote_picture import QuoteCard, drawable, quote_lines
from episodes.services import edit_segment

PASSAGE = "?t=1310-1322"  # 21:50–22:02, two lines
SAID_2150 = (
    "On pense à Nice 2, principalement Nice 2, c'est-à-dire que là, on va ouvrir le spectre, on imagine, "
    "à 15 000 entités, dont certaines n'ont jamais été dans le scope d'une quelconque réglementation cyber détaillée."
)


@pytest.fixture
def pictures(settings, tmp_path):
    settings.ARCHIVE_QUOTE_PICTURES_DIR = tmp_path / "quote-pictures"
    return settings.ARCHIVE_QUOTE_PICTURES_DIR


def read_aloud(png: bytes) -> str:
    """The picture's text as Tesseract reads it in French, one line of words."""
    if shutil.which("tesseract") is None:
        pytest.fail("tesseract is missing: run bin/test as root, or apt-get install tesseract-ocr tesseract-ocr-fra")
    read = subprocess.run(
        ["tesseract", "-", "-", "-l", "fra", "--psm", "6"], input=png, capture_output=True, check=True
    )
    return " ".join(read.stdout.decode().split())


def words_found(read: str, expected: str) -> float:
    """The share of the expected words read, in their order (OCR may misread one)."""
    matcher = difflib.SequenceMatcher(a=read.split(), b=expected.split(), autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(expected.split())


def og(page, name: str) -> str:
    tag = page.select_one(f'meta[property="{name}"]') or page.select_one(f'meta[name="{name}"]')
    return tag["content"] if tag else ""


def test_a_passage_link_previews_as_its_picture(client, sample_episode, pictures):
    page = BeautifulSoup(client.get(sample_episode.get_absolute_url() + PASSAGE).content, "html.parser")
    url = og(page, "og:image")
    assert url == f"http://testserver/episodes/{sample_episode.slug}/quote.png{PASSAGE}"
    assert (og(page, "og:image:width"), og(page, "og:image:height"), og(page, "og:image:type")) == (
        "1200",
        "630",
        "image/png",
    )
    assert og(page, "twitter:card") == "summary_large_image"
    assert og(page, "og:image:alt").startswith("« On pense à Nice 2")
    # « Citer » offers the same picture to download.
    link = page.select_one(".cite a.quote-picture")
    assert link.has_attr("download") and link["href"] == f"/episodes/{sample_episode.slug}/quote.png{PASSAGE}"
    assert link.get_text() == "Télécharger la citation en image"
    # A page without a quote shares no picture.
    plain = BeautifulSoup(client.get(sample_episode.get_absolute_url()).content, "html.parser")
    assert og(plain, "og:image") == "" and og(plain, "twitter:card") == "summary"


def test_the_picture_shows_the_quote_the_show_the_date_and_the_times(client, sample_episode, pictures):
    response = client.get(f"/episodes/{sample_episode.slug}/quote.png{PASSAGE}")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    png = b"".join(response.streaming_content)
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    read = read_aloud(png)
    assert words_found(read, SAID_2150) >= 0.9, read
    assert "SMART TECH" in read and "19 juin 2025" in read and "21:50" in read and "22:02" in read
    # The words go on past 22:02's first ones, cut with an ellipsis where the picture is full.
    assert "»" in read


def test_it_is_drawn_once_then_served_from_the_disk(client, sample_episode, pictures):
    url = f"/episodes/{sample_episode.slug}/quote.png{PASSAGE}"
    first = client.get(url)
    drawn = list(pictures.iterdir())
    assert len(drawn) == 1 and drawn[0].suffix == ".png"
    stamp = drawn[0].stat().st_mtime_ns
    again = client.get(url)
    assert b"".join(again.streaming_content) == drawn[0].read_bytes()
    assert drawn[0].stat().st_mtime_ns == stamp and list(pictures.iterdir()) == drawn
    assert again["Cache-Control"] == "public, max-age=86400"
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # A corrected line is a new picture; the old one is never shown for it.
    line = sample_episode.segments.get(start_ms=1_310_000)
    edit_segment(segment=line, text=line.text.replace("Nice 2", "NIS2"), speaker=line.speaker)
    changed = client.get(url)
    assert changed["ETag"] != first["ETag"] and len(list(pictures.iterdir())) == 2


def test_text_the_font_cannot_draw_gives_a_plain_picture(client, sample_episode, pictures):
    line = sample_episode.segments.get(start_ms=1_309_000)
    edit_segment(segment=line, text="Vous pensez à 网络安全 ?", speaker="")
    png = b"".join(client.get(f"/episodes/{sample_episode.slug}/quote.png?t=1309").streaming_content)
    assert Image.open(io.BytesIO(png)).size == (1200, 630)
    read = read_aloud(png)
    assert "SMART TECH du 19 juin 2025" in read and "21:49" in read
    assert "pensez" not in read


def test_drafts_and_pages_without_a_quote_have_no_picture(client, sample_episode, pictures):
    assert client.get(f"/episodes/{sample_episode.slug}/quote.png").status_code == 404
    sample_episode.is_published = False
    sample_episode.save()
    assert client.get(f"/episodes/{sample_episode.slug}/quote.png{PASSAGE}").status_code == 404


def card(quote: str) -> QuoteCard:
    return QuoteCard(quote, "", "Titre", "Émission", "19 juin 2025", "21:50", "Archives")


def test_wrapping_cuts_with_an_ellipsis_and_refuses_what_cannot_be_drawn():
    size, lines = quote_lines("mot " * 400)
    assert lines[-1].endswith("…\u00a0»") and size == 36
    size, lines = quote_lines("Court.")
    assert lines == ["Court.\u00a0»"] and size == 56
    assert quote_lines("x" * 200) is None  # one word wider than the picture
    assert not drawable("مرحبا") and not drawable("网络") and drawable("Dorothée Décrope, ça va ? « oui » – 15 000 €")
    assert card("Court.").key != card("Court !").key


def test_the_folder_keeps_the_pictures_read_last(client, sample_episode, pictures, settings):
    settings.ARCHIVE_QUOTE_PICTURES_MAX = 10
    pictures.mkdir(parents=True)
    for number in range(10):  # older pictures, read long ago
        old = pictures / f"{number:032x}.png"
        old.write_bytes(b"\x89PNG")
        os.utime(old, (1_000_000 + number, 1_000_000 + number))
    client.get(f"/episodes/{sample_episode.slug}/quote.png?t=1309")
    kept = sorted(path.name for path in pictures.iterdir())
    # Eleven were one too many: down to nine, the new one and the eight read last.
    assert len(kept) == 9 and f"{0:032x}.png" not in kept and f"{9:032x}.png" in kept
    assert client.get(f"/episodes/{sample_episode.slug}/quote.png?t=1309").status_code == 200
