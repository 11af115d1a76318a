"""The room's socket: who may join, annotations (round trip, replay, undo, malformed),
chat, signalling and presence — with Flask-SocketIO's test client on the real app."""
from __future__ import annotations

import pytest

from .conftest import AGENT, CITIZEN, MEMBER, MEMBER2, OTHER_AGENT, OTHER_MEMBER, World, received

NS = "/commission"


def test_anonymous_socket_is_refused_at_connect(world: World) -> None:
    client = world.socket(None, join=False)
    assert not client.is_connected(NS)


@pytest.mark.parametrize("email", [OTHER_MEMBER, OTHER_AGENT, CITIZEN])
def test_outsiders_are_refused_at_join(world: World, email: str) -> None:
    client = world.socket(email, join=False)
    assert client.is_connected(NS)  # signed in: the socket opens, the room does not
    ack = client.emit("join", {"session_id": world.session_id}, namespace=NS, callback=True)
    # the acknowledgement every event gets arrives, after the ``refused`` event (docs/realtime.md)
    assert ack["ok"] is False and ack["error"]
    assert received(client, "refused") == [{"reason": ack["error"]}]
    # the socket stays open but sits in no room: nothing else it asks is done
    assert client.is_connected(NS)
    assert client.emit("chat", {"text": "bonjour"}, namespace=NS, callback=True) == {
        "ok": False, "error": "rejoignez d'abord la séance"}
    assert not received(world.socket(AGENT), "chat")


def test_room_users_join_and_see_each_other(world: World) -> None:
    agent = world.socket(AGENT)
    member = world.socket(MEMBER)
    presence = received(agent, "presence")
    assert presence, "the secretary is told when a member arrives"
    names = {p["user_id"]: p["role"] for p in presence[-1]["present"]}
    assert sorted(names.values()) == ["member", "secretary"]
    member.disconnect(NS)
    assert len(received(agent, "presence")[-1]["present"]) == 1


def _rect(world: World, **over: object) -> dict:
    return {"version_id": world.plan_id, "page": 1, "kind": "rect",
            "geometry": {"x": 100, "y": 200, "w": 50.5, "h": 30}, "style": {"color": "#FF0000", "width": 2},
            **over}


def test_annotation_round_trip_replay_and_undo_own_only(world: World) -> None:
    member = world.socket(MEMBER)
    other = world.socket(MEMBER2)
    ack = member.emit("annotate", _rect(world), namespace=NS, callback=True)
    assert ack["ok"], ack
    shown = received(other, "annotation")
    assert [a["id"] for a in shown] == [ack["annotation"]["id"]]
    assert shown[0]["geometry"] == {"x": 100.0, "y": 200.0, "w": 50.5, "h": 30.0}
    assert shown[0]["style"]["color"] == "#ff0000" and shown[0]["author"]["name"].startswith("Youssef")
    # a late joiner (or a reload) gets it back
    late = world.socket(AGENT)
    replay = late.emit("open_document", {"version_id": world.plan_id}, namespace=NS, callback=True)
    assert [a["id"] for a in replay["annotations"]] == [ack["annotation"]["id"]]
    http = world.http(MEMBER2).get(f"/commission/sessions/{world.session_id}/documents/{world.plan_id}/annotations")
    assert [a["kind"] for a in http.json] == ["rect"]
    # someone else's annotation cannot be undone
    refused = other.emit("undo", {"annotation_id": ack["annotation"]["id"]}, namespace=NS, callback=True)
    assert refused == {"ok": False, "error": "vous ne pouvez annuler que vos propres annotations"}
    done = member.emit("undo", {"annotation_id": ack["annotation"]["id"]}, namespace=NS, callback=True)
    assert done["ok"]
    assert received(other, "annotation_removed")[-1]["id"] == ack["annotation"]["id"]
    replay = late.emit("open_document", {"version_id": world.plan_id}, namespace=NS, callback=True)
    assert replay["annotations"] == []


@pytest.mark.parametrize("bad", [
    {"kind": "circle"},
    {"page": 2},  # the plan has one page
    {"page": 0},
    {"page": "1"},
    {"geometry": {"x": 1, "y": 2, "w": 3}},
    {"geometry": {"x": 1, "y": 2, "w": 3, "h": float("inf")}},
    {"geometry": {"x": 1, "y": 2, "w": 3, "h": True}},
    {"geometry": {"x": 1, "y": 2, "w": 3, "h": 4, "extra": 1}},
    {"kind": "text", "geometry": {"x": 1, "y": 2, "text": "x" * 501}},
    {"kind": "text", "geometry": {"x": 1, "y": 2, "text": "  "}},
    {"kind": "pen", "geometry": {"points": []}},
    {"kind": "pen", "geometry": {"points": [[1, 2, 3]]}},
    {"kind": "arrow", "geometry": {"x1": 1, "y1": 2, "x2": "3", "y2": 4}},
    {"style": {"color": "red", "width": 2}},
    {"style": {"color": "#ff0000", "width": 500}},
    {"version_id": 999999},
    {"version_id": None},
    {"unexpected": 1},
])
def test_malformed_annotations_are_refused_and_nothing_is_stored(world: World, bad: dict) -> None:
    member = world.socket(MEMBER)
    ack = member.emit("annotate", _rect(world, **bad), namespace=NS, callback=True)
    assert ack["ok"] is False and ack["error"], ack
    replay = member.emit("open_document", {"version_id": world.plan_id}, namespace=NS, callback=True)
    assert replay["annotations"] == []


def test_every_kind_is_stored(world: World) -> None:
    member = world.socket(MEMBER)
    shapes = [("pen", {"points": [[1, 2], [3.5, 4], [10, 12]]}), ("arrow", {"x1": 1, "y1": 2, "x2": 30, "y2": 40}),
              ("text", {"x": 50, "y": 60, "text": "Recul de 5 m — تراجع"}), ("highlight", {"x": 5, "y": 5, "w": -4, "h": 8})]
    for kind, geometry in shapes:
        ack = member.emit("annotate", {"version_id": world.plan_id, "page": 1, "kind": kind, "geometry": geometry},
                          namespace=NS, callback=True)
        assert ack["ok"], (kind, ack)
    replay = member.emit("open_document", {"version_id": world.plan_id}, namespace=NS, callback=True)
    assert [a["kind"] for a in replay["annotations"]] == ["pen", "arrow", "text", "highlight"]
    assert replay["annotations"][3]["geometry"] == {"x": 1.0, "y": 5.0, "w": 4.0, "h": 8.0}  # normalised


def test_events_before_join_do_nothing(world: World) -> None:
    client = world.socket(MEMBER, join=False)
    ack = client.emit("annotate", _rect(world), namespace=NS, callback=True)
    assert ack == {"ok": False, "error": "rejoignez d'abord la séance"}


def test_chat_signal_media_and_focus(world: World) -> None:
    agent = world.socket(AGENT)
    member = world.socket(MEMBER)
    agent.get_received(NS)
    ack = member.emit("chat", {"text": "Bonjour"}, namespace=NS, callback=True)
    assert ack["ok"] and received(agent, "chat")[-1]["text"] == "Bonjour"
    assert member.emit("chat", {"text": ""}, namespace=NS, callback=True)["ok"] is False
    # chat is replayed on join
    late = world.socket(MEMBER2, join=False)
    joined = late.emit("join", {"session_id": world.session_id}, namespace=NS, callback=True)
    assert [c["text"] for c in joined["chat"]] == ["Bonjour"]
    agent_sid = next(p["sid"] for p in joined["present"] if p["role"] == "secretary")
    agent.get_received(NS)
    assert member.emit("signal", {"to": agent_sid, "data": {"type": "offer", "sdp": "v=0"}}, namespace=NS,
                       callback=True)["ok"]
    relayed = received(agent, "signal")
    assert relayed[-1]["data"]["type"] == "offer" and relayed[-1]["from_user"] != agent_sid
    refused = member.emit("signal", {"to": "not-a-socket", "data": {}}, namespace=NS, callback=True)
    assert refused["ok"] is False
    assert member.emit("media", {"audio": True, "video": False, "speaking": True}, namespace=NS, callback=True)["ok"]
    me = [p for p in received(agent, "presence")[-1]["present"] if p["role"] == "member" and p["speaking"]]
    assert me and me[0]["audio"] is True
    assert member.emit("media", {"audio": "yes"}, namespace=NS, callback=True)["ok"] is False
    assert agent.emit("focus", {"dossier_id": world.dossier_id, "version_id": world.plan_id, "page": 1},
                      namespace=NS, callback=True)["ok"]
    assert received(member, "focus")[-1]["dossier_id"] == world.dossier_id
    assert agent.emit("focus", {"dossier_id": 999999}, namespace=NS, callback=True)["ok"] is False
