"""Which player an episode's media URL needs, and how to start it at a second. Pure: no Django."""

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath
from urllib.parse import parse_qs, urlparse

AUDIO = {".mp3", ".m4a", ".aac", ".oga", ".ogg", ".opus", ".wav", ".flac", ".weba"}
VIDEO = {".mp4", ".m4v", ".webm", ".ogv", ".mov"}
# What a feed's enclosure says each file is (Python's mimetypes lacks several, or varies by system).
MEDIA_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".oga": "audio/ogg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".weba": "audio/webm",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".ogv": "video/ogg",
    ".mov": "video/quicktime",
}
YOUTUBE_ID = re.compile(r"[\w-]{6,20}")
DAILYMOTION_ID = re.compile(r"/video/(?P<id>[a-zA-Z0-9]+)")
VIMEO_ID = re.compile(r"/(?:video/)?(?P<id>\d+)")


class PlayerKind(StrEnum):
    AUDIO = "audio"
    VIDEO = "video"
    YOUTUBE = "youtube"
    DAILYMOTION = "dailymotion"
    VIMEO = "vimeo"
    LINK = "link"


@dataclass(frozen=True)
class Player:
    kind: PlayerKind
    url: str
    # For embeds: the player's address with `{start}` where the second goes.
    embed_template: str = ""

    @property
    def is_file(self) -> bool:
        return self.kind in (PlayerKind.AUDIO, PlayerKind.VIDEO)

    @property
    def is_embed(self) -> bool:
        return bool(self.embed_template)

    @property
    def media_type(self) -> str:
        """The file's MIME type; empty for a page (an embed or a plain link)."""
        if not self.is_file:
            return ""
        return MEDIA_TYPES[PurePosixPath(urlparse(self.url).path).suffix.lower()]

    def src_at(self, start_ms: int) -> str:
        """The address that starts playing at `start_ms`, without any script.

        A file starts at the line's own millisecond: cued at its whole second, a line said at
        34.929 s would not have begun, and the page would mark the line before it (the
        previous speaker). Embeds take whole seconds only."""
        start_ms = max(int(start_ms), 0)
        if self.is_embed:
            return self.embed_template.replace("{start}", str(start_ms // 1000))
        if self.is_file and start_ms:
            # Media Fragments: browsers seek there themselves ("#t=34.929", "#t=34.5", "#t=34").
            seconds, ms = divmod(start_ms, 1000)
            return f"{self.url}#t={seconds}" + (f".{ms:03d}".rstrip("0") if ms else "")
        return self.url


def player_for(url: str) -> Player | None:
    """The player for a media URL; None when there is none."""
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    host = parsed.netloc.lower().removeprefix("www.").removeprefix("m.")
    embed = _embed(host, parsed)
    if embed:
        return embed
    suffix = PurePosixPath(parsed.path).suffix.lower()
    if suffix in AUDIO:
        return Player(PlayerKind.AUDIO, url)
    if suffix in VIDEO:
        return Player(PlayerKind.VIDEO, url)
    return Player(PlayerKind.LINK, url)


def _embed(host: str, parsed) -> Player | None:
    url = parsed.geturl()
    if host in ("youtube.com", "youtu.be", "youtube-nocookie.com"):
        video = parse_qs(parsed.query).get("v", [""])[0] if host != "youtu.be" else parsed.path.strip("/")
        if not video and parsed.path.startswith(("/embed/", "/shorts/", "/live/")):
            video = parsed.path.split("/")[2]
        if YOUTUBE_ID.fullmatch(video or ""):
            return Player(PlayerKind.YOUTUBE, url, f"https://www.youtube-nocookie.com/embed/{video}?start={{start}}")
    if host in ("dailymotion.com", "dai.ly"):
        match = DAILYMOTION_ID.search(parsed.path) if host != "dai.ly" else re.match(r"/(?P<id>\w+)", parsed.path)
        if match:
            template = f"https://www.dailymotion.com/embed/video/{match['id']}?start={{start}}"
            return Player(PlayerKind.DAILYMOTION, url, template)
    if host in ("vimeo.com", "player.vimeo.com"):
        match = VIMEO_ID.search(parsed.path)
        if match:
            return Player(PlayerKind.VIMEO, url, f"https://player.vimeo.com/video/{match['id']}#t={{start}}s")
    return None
