"""What the sample's pages and the site's static files weigh on the wire, as sent and compressed.

    .venv/bin/python bench/wire_size.py

Builds a throwaway archive with the sample episode, gathers the static files as bin/release
does (hashed names, gzip copies), and fetches each page and file through Django's test client,
once as a browser asks (Accept-Encoding: gzip) and once without. Prints bytes and cache headers.
"""

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throwaway import throwaway_archive

PAGES = ["/", "/episodes/smart-tech-du-19-juin-2025/", "/search/?q=quantique", "/people/dorothee-decrop/"]


def main() -> None:
    throwaway_archive()
    from bs4 import BeautifulSoup
    from django.core.management import call_command
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_sample", stdout=io.StringIO())
    client = Client(HTTP_HOST="localhost")
    page = BeautifulSoup(client.get(PAGES[1]).content, "html.parser")
    static = [page.select_one("link[rel=stylesheet]")["href"], page.select_one("script[type=module]")["src"]]
    print(f"{'address':<45} {'sent':>9} {'gzip':>9}  cache")
    for url in [*PAGES, *static]:
        plain = client.get(url)
        packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert plain.status_code == packed.status_code == 200, url
        encoded = packed.get("Content-Encoding", "none")
        size = len(b"".join(packed.streaming_content) if packed.streaming else packed.content)
        plain_size = len(b"".join(plain.streaming_content) if plain.streaming else plain.content)
        print(f"{url[:45]:<45} {plain_size:>9,} {size:>9,}  {packed.get('Cache-Control', '-')} ({encoded})")


if __name__ == "__main__":
    main()
