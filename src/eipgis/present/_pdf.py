"""HTML to PDF with WeasyPrint, the project's PDF library (the investment case, the report)."""

from __future__ import annotations

__all__ = ["html_to_pdf"]


def html_to_pdf(html: str) -> bytes:
    """A self-contained HTML page as PDF bytes (WeasyPrint; no network: data URIs only)."""
    from ..errors import OutputError

    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango library is missing
        raise OutputError(f"PDF output needs WeasyPrint and the Pango library ({exc}). Fix: pip install "
                          "weasyprint, and on Debian/Ubuntu apt install libpango-1.0-0 libpangoft2-1.0-0.") from None

    # Only data: URIs (the page's own pictures); a reference to anything else is an error.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return bytes(weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf())
