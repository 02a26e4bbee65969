"""Every SessionService RPC through the real stub: its success and its main failures.

Failures are checked as a client sees them: the gRPC status code, the `ErrorInfo` reason and
domain, and `BadRequest` field violations named after the proto fields.
"""

from __future__ import annotations

import grpc
import pytest

from mwf.v1 import invitations_pb2 as inv_pb
from mwf.v1 import sessions_pb2 as pb
from mwf.v1 import types_pb2 as t
from mwf_core.adapters.db.tables import UserTable

from .grpc_helpers import (
    CONFLICT,
    EXPIRED,
    GATE,
    INVALID,
    NOT_ACTIVE,
    NOT_FOUND,
    UNAUTHENTICATED,
    at_stage1,
    create,
    created,
    expire_invitation,
    fails,
    frame_confirmed,
    invited,
    joined,
)
from .harness import Stack

MISSING = "does-not-exist"


# --- the whole of stage 0, over gRPC alone, on both databases -----------------------------


async def test_two_people_reach_stage_one_over_grpc(stack: Stack) -> None:
    s, alice, bob = stack.stub, stack.metadata("alice"), stack.metadata("bob")
    made = await create(stack)
    sid, inv_id = made.session.id, made.invitation_id
    assert made.session.status == t.SESSION_STATUS_CREATED
    assert made.session.my_progress.stage == t.STAGE_ONBOARDING
    assert made.invitation_url == f"https://app.example.test/invitation/{inv_id}"

    signed = await s.SignCompact(pb.SignCompactRequest(session_id=sid, agreed=True), metadata=alice)
    assert signed.signed and signed.can_advance and not signed.partner_signed
    frame = await s.ConfirmTopicFrame(pb.ConfirmTopicFrameRequest(session_id=sid), metadata=alice)
    assert frame.topic_frame and "Bob" not in frame.topic_frame
    confirmed = await s.ConfirmInvitation(pb.ConfirmInvitationRequest(session_id=sid),
                                          metadata=alice)
    assert confirmed.advanced_to_stage == t.STAGE_WITNESS
    assert confirmed.invitation.message_confirmed

    public = await s.GetInvitation(inv_pb.GetInvitationRequest(invitation_id=inv_id))
    assert public.invitation.status == t.INVITATION_STATUS_PENDING
    assert public.invitation.invited_by.name == "Alice"
    assert public.session_status == t.SESSION_STATUS_INVITED

    accepted = await s.AcceptInvitation(inv_pb.AcceptInvitationRequest(invitation_id=inv_id),
                                        metadata=bob)
    assert accepted.session_id == sid and accepted.status == t.SESSION_STATUS_ACTIVE
    assert sorted(m.name for m in accepted.members) == ["Alice", "Bob"]
    bob_signed = await s.SignCompact(pb.SignCompactRequest(session_id=sid, agreed=True),
                                     metadata=bob)
    assert bob_signed.partner_signed and bob_signed.can_advance

    for md, partner in ((alice, "Bob"), (bob, "Alice")):
        view = (await s.GetSession(pb.GetSessionRequest(session_id=sid), metadata=md)).session
        assert view.status == t.SESSION_STATUS_ACTIVE
        assert view.my_progress.stage == t.STAGE_WITNESS
        assert view.partner_progress.stage == t.STAGE_WITNESS
        assert view.partner.name == partner
        progress = await s.GetProgress(pb.GetProgressRequest(session_id=sid), metadata=md)
        assert progress.milestones.HasField("witness_start_time")


# --- identity and push tokens -------------------------------------------------------------


async def test_get_me_creates_the_user_on_first_sight(sqlite_stack: Stack) -> None:
    me = await sqlite_stack.stub.GetMe(pb.GetMeRequest(), metadata=sqlite_stack.metadata("zoe"))
    again = await sqlite_stack.stub.GetMe(pb.GetMeRequest(),
                                          metadata=sqlite_stack.metadata("zoe"))
    assert me.user.name == "Zoe" and me.user.id == again.user.id
    assert (me.active_sessions, me.push_notifications_enabled) == (0, False)
    assert await UserTable.count().where(UserTable.auth_subject == "zoe") == 1


@pytest.mark.parametrize("metadata", [
    (), (("authorization", "Bearer not-a-token"),), (("authorization", "Basic abc"),),
], ids=["no-token", "garbage", "wrong-scheme"])
async def test_get_me_needs_a_valid_token(sqlite_stack: Stack, metadata: tuple) -> None:
    await fails(sqlite_stack.stub.GetMe(pb.GetMeRequest(), metadata=metadata), *UNAUTHENTICATED)


async def test_push_token_register_and_clear(sqlite_stack: Stack) -> None:
    s, md = sqlite_stack.stub, sqlite_stack.metadata("alice")
    registered = await s.RegisterPushToken(
        pb.RegisterPushTokenRequest(push_token="ExponentPushToken[abc]", platform="ios"),
        metadata=md)
    assert registered.registered
    assert (await s.GetMe(pb.GetMeRequest(), metadata=md)).push_notifications_enabled
    cleared = await s.ClearPushToken(pb.ClearPushTokenRequest(), metadata=md)
    assert cleared.registered is False
    assert not (await s.GetMe(pb.GetMeRequest(), metadata=md)).push_notifications_enabled


@pytest.mark.parametrize(("request_fields", "field"), [
    ({"push_token": "  "}, "push_token"),
    ({"push_token": "x" * 513}, "push_token"),
    ({"push_token": "tok", "platform": "windows"}, "platform"),
])
async def test_push_token_validation(sqlite_stack: Stack, request_fields: dict, field: str) -> None:
    await fails(sqlite_stack.stub.RegisterPushToken(
        pb.RegisterPushTokenRequest(**request_fields), metadata=sqlite_stack.metadata("alice")),
        *INVALID, fields={field})


# --- creating and listing sessions --------------------------------------------------------


@pytest.mark.parametrize(("request_fields", "field"), [
    ({"invite_name": ""}, "person_id"),
    ({"invite_name": "x" * 101}, "invite_name"),
    ({"context": "x" * 5001}, "context"),
    ({"invite_email": "not-an-email"}, "invite_email"),
])
async def test_create_session_validation(sqlite_stack: Stack, request_fields: dict,
                                         field: str) -> None:
    await fails(create(sqlite_stack, **request_fields), *INVALID, fields={field})


async def test_create_session_with_a_person(sqlite_stack: Stack) -> None:
    ids = await at_stage1(sqlite_stack)
    bob_id = (await sqlite_stack.stub.GetMe(pb.GetMeRequest(),
                                            metadata=sqlite_stack.metadata("bob"))).user.id
    again = await create(sqlite_stack, invite_name="", person_id=bob_id)
    assert again.existing_active_session.id == ids.session_id
    assert not again.HasField("session") and not again.invitation_id
    await fails(create(sqlite_stack, "carol", invite_name="", person_id=bob_id), *NOT_FOUND)
    alice_id = (await sqlite_stack.stub.GetMe(pb.GetMeRequest(),
                                              metadata=sqlite_stack.metadata("alice"))).user.id
    await fails(create(sqlite_stack, invite_name="", person_id=alice_id), *INVALID,
                fields={"person_id"})


async def test_list_sessions_pages_and_filters(sqlite_stack: Stack) -> None:
    s, md = sqlite_stack.stub, sqlite_stack.metadata("alice")
    made = [(await created(sqlite_stack)).session_id for _ in range(3)]
    first = await s.ListSessions(pb.ListSessionsRequest(page_size=2), metadata=md)
    assert len(first.sessions) == 2 and first.next_page_token
    second = await s.ListSessions(
        pb.ListSessionsRequest(page_size=2, page_token=first.next_page_token), metadata=md)
    assert len(second.sessions) == 1 and second.next_page_token == ""
    assert sorted(x.id for x in [*first.sessions, *second.sessions]) == sorted(made)
    invited_only = await s.ListSessions(
        pb.ListSessionsRequest(status=t.SESSION_STATUS_INVITED), metadata=md)
    assert list(invited_only.sessions) == []
    others = await s.ListSessions(pb.ListSessionsRequest(), metadata=sqlite_stack.metadata("bob"))
    assert list(others.sessions) == []


@pytest.mark.parametrize(("request_fields", "field"), [
    ({"page_size": 101}, "page_size"), ({"page_size": -1}, "page_size"),
    ({"page_token": "%%%not-a-cursor"}, "page_token"),
])
async def test_list_sessions_validation(sqlite_stack: Stack, request_fields: dict,
                                        field: str) -> None:
    await fails(sqlite_stack.stub.ListSessions(pb.ListSessionsRequest(**request_fields),
                                               metadata=sqlite_stack.metadata("alice")),
                *INVALID, fields={field})


# --- reading a session ---------------------------------------------------------------------


@pytest.mark.parametrize("rpc", ["GetSession", "GetSessionState", "GetProgress",
                                 "GetSessionInvitation", "GetCompactStatus", "ConfirmTopicFrame",
                                 "ConfirmInvitation", "PauseSession", "ResumeSession",
                                 "ArchiveSession", "DeleteSession", "ListEmotions"])
async def test_unknown_session_is_not_found(sqlite_stack: Stack, rpc: str) -> None:
    request = getattr(pb, f"{rpc}Request")(session_id=MISSING)
    await fails(getattr(sqlite_stack.stub, rpc)(request, metadata=sqlite_stack.metadata("alice")),
                *NOT_FOUND)


async def test_session_state_carries_invitation_and_compact(stack: Stack) -> None:
    ids = await invited(stack)
    state = await stack.stub.GetSessionState(pb.GetSessionStateRequest(session_id=ids.session_id),
                                             metadata=stack.metadata("alice"))
    assert state.session.id == ids.session_id
    assert state.invitation.id == ids.invitation_id and state.invitation.is_inviter
    assert state.invitation.topic_frame
    assert state.compact.my_signed and not state.compact.partner_signed
    assert state.milestones.HasField("witness_start_time")


async def test_compact_status_hides_the_partner_until_signed(sqlite_stack: Stack) -> None:
    ids = await invited(sqlite_stack)
    await sqlite_stack.stub.AcceptInvitation(
        inv_pb.AcceptInvitationRequest(invitation_id=ids.invitation_id),
        metadata=sqlite_stack.metadata("bob"))
    status = await sqlite_stack.stub.GetCompactStatus(
        pb.GetCompactStatusRequest(session_id=ids.session_id),
        metadata=sqlite_stack.metadata("bob"))
    assert not status.compact.my_signed
    assert not status.compact.partner_signed and not status.compact.HasField("partner_sign_time")
    assert status.compact.is_first_session


# --- stage 0 actions -----------------------------------------------------------------------


async def test_sign_compact_needs_agreement_and_signs_once(sqlite_stack: Stack) -> None:
    ids, md = await created(sqlite_stack), sqlite_stack.metadata("alice")
    sign = sqlite_stack.stub.SignCompact
    await fails(sign(pb.SignCompactRequest(session_id=ids.session_id, agreed=False), metadata=md),
                *INVALID, fields={"agreed"})
    await sign(pb.SignCompactRequest(session_id=ids.session_id, agreed=True), metadata=md)
    await fails(sign(pb.SignCompactRequest(session_id=ids.session_id, agreed=True), metadata=md),
                *CONFLICT)


async def test_confirm_invitation_gates(sqlite_stack: Stack) -> None:
    ids, md = await created(sqlite_stack), sqlite_stack.metadata("alice")
    confirm = sqlite_stack.stub.ConfirmInvitation
    await fails(confirm(pb.ConfirmInvitationRequest(session_id=ids.session_id), metadata=md),
                *GATE)
    await sqlite_stack.stub.SignCompact(
        pb.SignCompactRequest(session_id=ids.session_id, agreed=True), metadata=md)
    await fails(confirm(pb.ConfirmInvitationRequest(session_id=ids.session_id), metadata=md),
                *GATE)


async def test_closed_session_refuses_stage0_actions(sqlite_stack: Stack) -> None:
    ids = await frame_confirmed(sqlite_stack)
    await sqlite_stack.stub.DeclineInvitation(
        inv_pb.DeclineInvitationRequest(invitation_id=ids.invitation_id, reason="Not now"),
        metadata=sqlite_stack.metadata("bob"))
    md = sqlite_stack.metadata("alice")
    await fails(sqlite_stack.stub.ConfirmTopicFrame(
        pb.ConfirmTopicFrameRequest(session_id=ids.session_id), metadata=md), *NOT_ACTIVE)
    await fails(sqlite_stack.stub.SignCompact(
        pb.SignCompactRequest(session_id=ids.session_id, agreed=True), metadata=md), *NOT_ACTIVE)


# --- invitations ---------------------------------------------------------------------------


async def test_public_invitation_hides_the_frame(sqlite_stack: Stack) -> None:
    ids = await frame_confirmed(sqlite_stack)
    public = await sqlite_stack.stub.GetInvitation(
        inv_pb.GetInvitationRequest(invitation_id=ids.invitation_id))
    assert public.invitation.id == ids.invitation_id and not public.invitation.is_inviter
    assert public.invitation.topic_frame == "" and public.invitation.invited_by.id == ""
    mine = await sqlite_stack.stub.GetInvitation(
        inv_pb.GetInvitationRequest(invitation_id=ids.invitation_id),
        metadata=sqlite_stack.metadata("alice"))
    assert mine.invitation.is_inviter
    await fails(sqlite_stack.stub.GetInvitation(inv_pb.GetInvitationRequest(invitation_id=MISSING)),
                *NOT_FOUND)


async def test_accept_refusals(sqlite_stack: Stack) -> None:
    ids, accept = await created(sqlite_stack), sqlite_stack.stub.AcceptInvitation
    request = inv_pb.AcceptInvitationRequest(invitation_id=ids.invitation_id)
    await fails(accept(request, metadata=sqlite_stack.metadata("bob")), *INVALID)  # not ready
    await fails(accept(request, metadata=sqlite_stack.metadata("alice")), *INVALID)  # own
    await fails(accept(inv_pb.AcceptInvitationRequest(invitation_id=MISSING),
                       metadata=sqlite_stack.metadata("bob")), *NOT_FOUND)


@pytest.mark.parametrize("rpc", ["AcceptInvitation", "DeclineInvitation"])
async def test_expired_invitation(stack: Stack, rpc: str) -> None:
    ids = await frame_confirmed(stack)
    await expire_invitation(ids.invitation_id)
    request = getattr(inv_pb, f"{rpc}Request")(invitation_id=ids.invitation_id)
    await fails(getattr(stack.stub, rpc)(request, metadata=stack.metadata("bob")), *EXPIRED)
    public = await stack.stub.GetInvitation(
        inv_pb.GetInvitationRequest(invitation_id=ids.invitation_id))
    assert public.invitation.status == t.INVITATION_STATUS_EXPIRED


async def test_invites_blocked_by_privacy(sqlite_stack: Stack) -> None:
    ids = await frame_confirmed(sqlite_stack)
    md = sqlite_stack.metadata("bob")
    await sqlite_stack.stub.GetMe(pb.GetMeRequest(), metadata=md)
    await UserTable.update({UserTable.privacy_preferences: {"allowSessionInvites": False}}).where(
        UserTable.auth_subject == "bob")
    failure = await fails(sqlite_stack.stub.AcceptInvitation(
        inv_pb.AcceptInvitationRequest(invitation_id=ids.invitation_id), metadata=md),
        grpc.StatusCode.PERMISSION_DENIED, "VALIDATION_ERROR")
    assert failure.metadata == {"http_status": "403"}


async def test_decline(sqlite_stack: Stack) -> None:
    ids, decline = await frame_confirmed(sqlite_stack), sqlite_stack.stub.DeclineInvitation
    md = sqlite_stack.metadata("bob")
    await fails(decline(inv_pb.DeclineInvitationRequest(invitation_id=ids.invitation_id,
                                                    reason="x" * 501), metadata=md),
                *INVALID, fields={"reason"})
    assert (await decline(inv_pb.DeclineInvitationRequest(invitation_id=ids.invitation_id),
                          metadata=md)).declined
    public = await sqlite_stack.stub.GetInvitation(
        inv_pb.GetInvitationRequest(invitation_id=ids.invitation_id))
    assert public.invitation.status == t.INVITATION_STATUS_DECLINED
    assert public.session_status == t.SESSION_STATUS_ABANDONED
    await fails(decline(inv_pb.DeclineInvitationRequest(invitation_id=ids.invitation_id),
                        metadata=md), *INVALID)


# --- lifecycle -----------------------------------------------------------------------------


async def test_pause_resume_archive_delete(stack: Stack) -> None:
    ids, s = await joined(stack), stack.stub
    alice, bob = stack.metadata("alice"), stack.metadata("bob")
    sid = ids.session_id
    await fails(s.PauseSession(pb.PauseSessionRequest(session_id=sid, reason="x" * 501),
                               metadata=alice), *INVALID, fields={"reason"})
    await fails(s.ResumeSession(pb.ResumeSessionRequest(session_id=sid), metadata=alice),
                *NOT_ACTIVE)
    await fails(s.ArchiveSession(pb.ArchiveSessionRequest(session_id=sid), metadata=alice),
                *INVALID)
    paused = await s.PauseSession(pb.PauseSessionRequest(session_id=sid), metadata=alice)
    assert paused.paused and paused.status == t.SESSION_STATUS_PAUSED
    await fails(s.PauseSession(pb.PauseSessionRequest(session_id=sid), metadata=bob), *NOT_ACTIVE)
    resumed = await s.ResumeSession(pb.ResumeSessionRequest(session_id=sid), metadata=bob)
    assert resumed.resumed and resumed.status == t.SESSION_STATUS_ACTIVE
    left = await s.DeleteSession(pb.DeleteSessionRequest(session_id=sid), metadata=alice)
    assert left.deleted and left.session_abandoned and left.partner_notified
    assert left.data_records_deleted >= 2
    archived = await s.ArchiveSession(pb.ArchiveSessionRequest(session_id=sid), metadata=bob)
    assert archived.archived and archived.HasField("archive_time")
    listed = await s.ListSessions(pb.ListSessionsRequest(), metadata=bob)
    assert sid not in [x.id for x in listed.sessions]


# --- people and emotions -------------------------------------------------------------------


async def test_people_and_nicknames(sqlite_stack: Stack) -> None:
    ids, s, md = await joined(sqlite_stack), sqlite_stack.stub, sqlite_stack.metadata("alice")
    people = (await s.ListPeople(pb.ListPeopleRequest(), metadata=md)).people
    assert [(p.name, p.relationship_id) for p in people] == [("Bob", ids.relationship_id)]
    assert people[0].last_session.id == ids.session_id and people[0].active_session_count == 1
    set_nick = await s.UpdateNickname(
        pb.UpdateNicknameRequest(relationship_id=ids.relationship_id, nickname="Bobby"),
        metadata=md)
    assert set_nick.nickname == "Bobby"
    cleared = await s.UpdateNickname(pb.UpdateNicknameRequest(relationship_id=ids.relationship_id),
                                     metadata=md)
    assert not cleared.HasField("nickname")
    await fails(s.UpdateNickname(pb.UpdateNicknameRequest(relationship_id=ids.relationship_id,
                                                          nickname="x" * 101), metadata=md),
                *INVALID, fields={"nickname"})
    await fails(s.UpdateNickname(pb.UpdateNicknameRequest(relationship_id=MISSING,
                                                          nickname="B"), metadata=md), *NOT_FOUND)


async def test_emotions(stack: Stack) -> None:
    ids, s, md = await joined(stack), stack.stub, stack.metadata("alice")
    calm = await s.RecordEmotion(pb.RecordEmotionRequest(session_id=ids.session_id, intensity=3,
                                                         context="ok"), metadata=md)
    upset = await s.RecordEmotion(pb.RecordEmotionRequest(session_id=ids.session_id, intensity=8),
                                  metadata=md)
    assert (calm.suggest_exercise, upset.suggest_exercise) == (False, True)
    assert upset.reading.stage == t.STAGE_ONBOARDING
    mine = await s.ListEmotions(pb.ListEmotionsRequest(session_id=ids.session_id), metadata=md)
    assert [r.id for r in mine.readings] == [upset.reading.id, calm.reading.id]
    theirs = await s.ListEmotions(pb.ListEmotionsRequest(session_id=ids.session_id),
                                  metadata=stack.metadata("bob"))
    assert list(theirs.readings) == []
    assert (await s.GetMe(pb.GetMeRequest(), metadata=md)).user.last_mood_intensity == 8


@pytest.mark.parametrize(("rpc", "request_fields", "field"), [
    ("RecordEmotion", {"intensity": 0}, "intensity"),
    ("RecordEmotion", {"intensity": 11}, "intensity"),
    ("RecordEmotion", {"intensity": 5, "context": "x" * 501}, "context"),
    ("ListEmotions", {"page_size": 51}, "page_size"),
])
async def test_emotion_validation(sqlite_stack: Stack, rpc: str, request_fields: dict,
                                  field: str) -> None:
    ids = await joined(sqlite_stack)
    request = getattr(pb, f"{rpc}Request")(session_id=ids.session_id, **request_fields)
    await fails(getattr(sqlite_stack.stub, rpc)(request, metadata=sqlite_stack.metadata("alice")),
                *INVALID, fields={field})
