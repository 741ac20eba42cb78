"""The shape of one route's authorisation spec."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    perm: str
    methods: tuple[str, ...] = ("GET",)
    obj: str | None = None  # "membership" or "token": the route's pk names such a record
    body: str = "{}"  # a valid body, so that the answer is about access, not validation
    # send a small valid file instead of a JSON body: (field, file name, content); "{email}"
    # in the content is the acting user's e-mail
    upload: tuple[str, str, str] | None = None
    query: str = ""  # appended to the path; "{obj}" is replaced by the object's id
