"""Answers with a JSON body gzipped once and kept (the map's layers), revalidated by ETag."""

from __future__ import annotations

from fastapi import Request, Response


def gzipped_json_response(request: Request, body: bytes, *, etag: str) -> Response:
    """``body`` (gzipped JSON) with its ETag; 304 when the client holds it already."""
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Encoding": "gzip",
            "ETag": etag,
            "Cache-Control": "no-cache",
            "Vary": "Accept-Encoding",
        },
    )
