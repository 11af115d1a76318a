"""Schemas of the commission sessions' API (they generate its part of the OpenAPI document)."""
from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Date, DateTime, Dict, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range, Regexp

ID = Range(min=1, max=2**31 - 1)


class SessionIn(Schema):
    date = Date(required=True, metadata={"description": "the session's day (local time, Africa/Casablanca)"})
    time = String(required=True, validate=Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"), metadata={"example": "10:30"})
    visio = Boolean(load_default=True, metadata={"description": "held in the visio room (else in person at place)"})
    place = String(load_default=None, allow_none=True, validate=Length(max=200))
    dossier_ids = List(Integer(validate=ID), load_default=list, validate=Length(max=200))


class AgendaIn(Schema):
    dossier_id = Integer(required=True, validate=ID)
    position = Integer(load_default=None, allow_none=True, validate=Range(min=1, max=1000))


class OpinionIn(Schema):
    avis = String(required=True, validate=OneOf(["favorable", "favorable_reserve", "defavorable", "ajourne"]))
    reserves = String(load_default=None, allow_none=True, validate=Length(max=4000))
    motive = String(load_default=None, allow_none=True, validate=Length(max=4000))
    plans_modifies = Boolean(load_default=None, allow_none=True)
    task_id = String(load_default=None, allow_none=True, validate=Length(max=64))


class CloseIn(Schema):
    confirm = Boolean(required=True, validate=OneOf([True]),
                      metadata={"description": "must be true: closing signs the minutes and cannot be undone"})
    before_date = Boolean(load_default=False, metadata={
        "description": "true to close a session before its scheduled day (otherwise 409)"})


class FollowupIn(Schema):
    action = String(required=True, validate=OneOf(["relaunch", "adjourn", "proceed"]))


class IntervalOut(Schema):
    joined_at = DateTime()
    left_at = DateTime(allow_none=True)


class AttendeeOut(Schema):
    user_id = String()
    name = String()
    role = String()
    intervals = List(Nested(IntervalOut))


class OpinionOut(Schema):
    member_id = String()
    member = String(metadata={"description": "the seat's member"})
    given_by = String(allow_none=True, metadata={
        "description": "who gave it, when an administrator handed the seat's task to someone else"})
    holder_id = String(allow_none=True, metadata={"description": "who holds the seat's task, when handed over"})
    holder = String(allow_none=True)
    organism = String()
    organism_ar = String()
    binding = Boolean()
    task_id = String(allow_none=True)
    state = String(metadata={"description": "none | open | done"})
    avis = String(allow_none=True)
    reserves = String(allow_none=True)
    motive = String(allow_none=True)
    given_at = String(allow_none=True)


class AgendaItemOut(Schema):
    position = Integer()
    dossier_id = Integer()
    number = String(allow_none=True)
    procedure = String()
    status = Dict()
    opinions = List(Nested(OpinionOut))
    missing = List(String(), metadata={"description": "members whose opinion is still awaited"})
    next_steps = List(Dict(), metadata={"description": "secretary: relaunch | adjourn, when opinions are missing; proceed once the session is closed when no missing opinion is binding (avis_conformes)"})


class SessionOut(Schema):
    id = Integer()
    commission_id = Integer()
    commission = String()
    commission_ar = String()
    date = String()
    time = String(allow_none=True)
    status = String(metadata={"description": "scheduled | closed"})
    place = String(allow_none=True)
    visio = Boolean()
    role = String(metadata={"description": "the caller's role: member | secretary"})
    convened_at = DateTime(allow_none=True)
    closed_at = DateTime(allow_none=True)
    before_its_date = Boolean()
    minutes_url = String(allow_none=True)
    minutes_sha256 = String(allow_none=True)
    agenda = List(Nested(AgendaItemOut))
    attendance = List(Nested(AttendeeOut))


class SessionListOut(Schema):
    upcoming = List(Dict())
    past = List(Dict())
    awaiting = List(Dict(), metadata={"description": "secretary: the dossiers waiting for this commission"})


class ConvokedOut(Schema):
    convened = Integer(metadata={"description": "how many members were sent the convocation (.ics attached)"})


class ClosedOut(Schema):
    minutes_url = String()
    sha256 = String()
    documents = List(Integer())


class DoneOut(Schema):
    action = String()
    notified = List(String())
    session_id = Integer()
    unexpressed = List(String(), metadata={"description": "proceed: the members whose opinion is recorded « non exprimé »"})
