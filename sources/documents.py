"""The text of an uploaded document: plain text and Markdown as they are, HTML as its words."""

from __future__ import annotations

import re
from pathlib import PurePath

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
# Parts of a page that are not its article.
_NOT_TEXT = ("script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form")


class UnreadableDocument(ValueError):
    """A document whose text cannot be taken; str(exc) says why."""


def plain_newlines(text: str) -> str:
    """The text with every line break a single ``\\n``. A browser sends a textarea's breaks
    as ``\\r\\n`` whatever the page showed, and files may carry ``\\r\\n`` or ``\\r``; quotes
    are found in a source's text character for character, so its breaks have one form."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def document_text(name: str, data: bytes) -> str:
    """The text of a document: HTML (.html, .htm) as its words, anything else as UTF-8 text."""
    suffix = PurePath(name).suffix.lower()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(f"\u201c{name}\u201d is not UTF-8 text ({exc.reason}).") from exc
    if suffix in HTML_SUFFIXES:
        text = html_text(text)
    text = plain_newlines(text)
    if not text.strip():
        raise UnreadableDocument(f"\u201c{name}\u201d is empty.")
    return text


def html_text(html: str) -> str:
    """The words of an HTML page, a block per paragraph, without scripts, styles or menus."""
    # Imported here: the admin loads this module in every process (each command, each
    # server worker), and importing bs4 cost 37 ms of the 0.47 s Django takes to start.
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(_NOT_TEXT):
        tag.decompose()
    root = soup.find("article") or soup.find("main") or soup.body or soup
    blocks = []
    for block in root.find_all(
        ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "blockquote", "td", "pre"]
    ):
        if block.find(["p", "li", "blockquote", "td"]):
            continue  # its inner blocks are taken one by one
        words = " ".join(block.get_text(" ").split())
        if words:
            blocks.append(words)
    if not blocks:
        blocks = [" ".join(line.split()) for line in root.get_text("\n").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n\n".join(b for b in blocks if b)) + "\n"
