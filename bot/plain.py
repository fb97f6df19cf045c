"""The bot's replies (Telegram's HTML subset) as plain text for a terminal or a document."""

from __future__ import annotations

from html.parser import HTMLParser


class _PlainText(HTMLParser):
    """Tags dropped, every entity decoded; a link's address follows its text in angle brackets when wanted."""

    def __init__(self, links: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.links = links
        self.parts: list[str] = []
        self._href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href:
            href = self._href.pop()
            if self.links and href:
                self.parts.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain(html_text: str, links: bool = True) -> str:
    """``html_text`` as a person reads it: ``links`` adds each link's address after its text."""
    parser = _PlainText(links)
    parser.feed(html_text)
    parser.close()
    return "".join(parser.parts)
