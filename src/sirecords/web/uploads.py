"""The size of an upload is refused while it streams in, never after it was read whole (issue 9, finding 13).

Two guards, both from SIRECORDS_MAX_ATTACHMENT_BYTES (workflow/documents.max_bytes):

- `RequestSizeLimitMiddleware` answers 413 before anything reads the body when its Content-Length is over the
  limit plus room for the form's other fields (SIRECORDS_UPLOAD_FORM_ROOM). Django reads no more of a body than
  its Content-Length, so nothing larger ever reaches a view or a parser.
- `AttachmentLimitHandler`, the first of FILE_UPLOAD_HANDLERS, passes a file's chunks on to Django's own handlers
  until the file passes the limit; from then on it keeps nothing and only counts, and the file reaches the view
  as an `OversizeUpload` (its name and size, no content), which `documents.received` refuses by its size with
  the usual message. At most the limit (plus one chunk) of any file is ever held.
"""

from __future__ import annotations

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sirecords.workflow import documents

FORM_ROOM = 1024 * 1024  # the other fields of a form that carries a document, and the multipart framing


def max_request_bytes() -> int:
    return documents.max_bytes() + getattr(settings, "SIRECORDS_UPLOAD_FORM_ROOM", FORM_ROOM)


class OversizeUpload(UploadedFile):
    """A file that was over the limit: its name and how many bytes it had, none of them kept."""

    def __init__(self, name: str, size: int, content_type: str | None, charset: str | None, content_type_extra=None):
        super().__init__(BytesIO(), name, content_type, size, charset, content_type_extra)


class AttachmentLimitHandler(FileUploadHandler):
    """Passes on each file's chunks until it passes the limit, then swallows (counts) the rest."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.limit = documents.max_bytes()
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        return None if self.received > self.limit else raw_data

    def file_complete(self, file_size):
        if self.received > self.limit:
            return OversizeUpload(self.file_name, self.received, self.content_type, self.charset, self.content_type_extra)
        return None  # Django's handler that kept the chunks completes it


class RequestSizeLimitMiddleware:
    """413 for a request whose declared body is over the limit, before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django refuses a malformed length itself
        limit = max_request_bytes()
        if declared > limit:
            return too_large(request, declared, limit)
        return self.get_response(request)


def too_large(request, declared: int, limit: int):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"the request body is {declared:,} bytes; at most {limit:,} are accepted "
                                       f"(a document at most {documents.max_bytes():,}). Nothing was read or kept."},
                            status=413)
    message = _("The upload is %(size)s bytes; a document may have at most %(max)s. Nothing was received or kept: "
                "choose a smaller scan.") % {"size": f"{declared:,}", "max": f"{documents.max_bytes():,}"}
    return render(request, "web/too_large.html", {"message": message}, status=413)
