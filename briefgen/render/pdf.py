"""The PDF: the briefing's HTML laid out by WeasyPrint, reading only the files it is allowed to.

WeasyPrint is imported on first use (it is slow to load). Its URL fetcher is replaced by one that
serves only the template directories and data URIs: a template or an article can never make the
PDF read a file elsewhere or reach the network.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from briefgen.errors import RenderError
from briefgen.render.look import Look
from briefgen.textsafe import printable

if TYPE_CHECKING:
    from weasyprint.urls import URLFetcherResponse

logger = logging.getLogger(__name__)


class LocalFetcher:
    """WeasyPrint's URL fetcher limited to ``data:`` URIs and files inside the allowed directories.

    Article text is escaped and never becomes markup, so nothing it says can be fetched;
    this is the second lock: even a template cannot make the PDF read the network or a
    file outside the template and branding directories.
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        from weasyprint.urls import URLFetcher

        self.roots = [r.resolve() for r in roots]
        self.inner = URLFetcher(allowed_protocols={"file", "data"})
        self._fail_on_errors = False

    def allowed(self, url: str) -> bool:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return True
        if scheme != "file":
            return False
        from urllib.parse import unquote, urlparse

        path = Path(unquote(urlparse(url).path)).resolve()
        return any(path == root or root in path.parents for root in self.roots)

    def __call__(self, url: str, *args: object, **kwargs: object) -> URLFetcherResponse:
        if not self.allowed(url):
            raise ValueError(f"briefgen does not fetch {printable(url.split('?')[0], 80)}")
        return self.inner.fetch(url, *args, **kwargs)

    fetch = __call__


def render_pdf(html: str, base_dir: Path, look: Look = Look(), allowed: Sequence[Path] = ()) -> bytes:
    """Lay out the HTML as a paginated PDF with WeasyPrint (imported here: it is slow to load)."""
    try:
        import weasyprint
    except OSError as exc:  # the Pango/HarfBuzz shared libraries are missing
        raise RenderError(f"WeasyPrint cannot load its system libraries: {exc}") from None
    fetcher = LocalFetcher([base_dir, *allowed])
    options: dict[str, str] = {"pdf_variant": "pdf/ua-1"} if look.pdf_ua else {}
    pdf: bytes = weasyprint.HTML(string=html, base_url=str(base_dir), url_fetcher=fetcher).write_pdf(**options)
    return pdf
