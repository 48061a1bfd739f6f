"""The uploaded file of a multipart request, checked for presence and type."""

from __future__ import annotations

from flask import request

from ..errors import bad_request, validation_error

MAX_FILENAME = 255  # what a file system stores


def uploaded_file(suffixes: tuple[str, ...]) -> tuple[str, bytes]:
    """The name and bytes of the multipart field `file`, when its name ends with one of `suffixes`."""
    if request.mimetype != "multipart/form-data":
        raise bad_request("Upload the file as multipart/form-data in the field 'file'.")
    uploads = request.files.getlist("file")
    if len(uploads) > 1:
        raise validation_error({"file": "send one file at a time"})
    upload = uploads[0] if uploads else None
    if upload is None or not upload.filename:
        raise validation_error({"file": "no file was uploaded"})
    name = upload.filename
    if len(name) > MAX_FILENAME:
        raise validation_error({"file": f"the file name is longer than {MAX_FILENAME} characters"})
    if not name.lower().endswith(suffixes):
        raise validation_error({"file": f"the file must be one of: {', '.join(suffixes)}"})
    return name, upload.read()
